/**
 * What every figure of the dataplane bench shares: the Network API, the hosts, and
 * "VMs" as the dataplane test tier makes them (a namespace behind a veth named as the
 * port's tap, an address from the network's dnsmasq), each recorded so the bench can
 * take it down again, also after a failure.
 */
import { fakeHostNamespace } from '../../src/cli/fake-host-underlay.js';
import type { Footprint } from '../../test/dataplane/leftovers.js';
import { NamespaceVm } from '../../test/dataplane/namespace-vm.js';
import { ActiveWatcher, type Neutron, type Port } from './neutron.js';

export interface BenchContext {
  neutron: Neutron;
  /** The cloud's [network] namespace_prefix; VM namespaces carry it too, so a sweep finds them. */
  prefix: string;
  /** The main host ([DEFAULT] host): its agent runs DHCP and routers. */
  mainHost: string;
  /** The fake host standing in a namespace with its own VXLAN endpoint. */
  fakeHost: string;
  udhcpcScript: string;
  /** Everything made, for the leftovers check and the sweep. */
  footprint: Footprint;
  /** VMs not yet removed. */
  vms: Set<NamespaceVm>;
}

export interface Vm {
  port: Port;
  vm: NamespaceVm;
}

/** The VM end of a port: its namespace and veth, on the port's host (a fake host's veth inside that host's namespace). */
export async function makeVmFor(ctx: BenchContext, name: string, port: Port, host: string): Promise<NamespaceVm> {
  const netns = `${ctx.prefix}vm-${name}`;
  const vm = new NamespaceVm(netns, port.id, port.mac, host === ctx.mainHost ? undefined : fakeHostNamespace(ctx.prefix, host));
  ctx.footprint.vmNamespaces.push(netns);
  ctx.vms.add(vm);
  await vm.create();
  return vm;
}

/** A port made, its VM plugged and bound, ACTIVE and leased: a guest ready for traffic. */
export async function bootVm(ctx: BenchContext, name: string, networkId: string, opts: { host?: string; securityGroups?: string[] } = {}): Promise<Vm> {
  const host = opts.host ?? ctx.mainHost;
  const port = await ctx.neutron.port(networkId, { name, ...(opts.securityGroups ? { securityGroups: opts.securityGroups } : {}) });
  ctx.footprint.portIds.push(port.id);
  const vm = await makeVmFor(ctx, name, port, host);
  await ctx.neutron.bind(port.id, host);
  await new ActiveWatcher(ctx.neutron, networkId, 50).active(port.id, 60_000);
  const lease = await vm.dhcp(ctx.udhcpcScript, 10);
  if (!lease.startsWith(`${port.ip}/`)) throw new Error(`VM ${name} leased ${lease}, its port has ${port.ip}`);
  return { port, vm };
}

/**
 * The VM's namespace (its veth goes with it), then the port, in Nova's order: the
 * guest and its tap go first, the port is deleted after.
 */
export async function removeVm(ctx: BenchContext, v: Vm): Promise<void> {
  await v.vm.remove();
  ctx.vms.delete(v.vm);
  await ctx.neutron.deletePort(v.port.id);
}

/** Nearest-rank percentile, as the other benches compute it. */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN);
}

export interface P50P99 {
  p50: number;
  p99: number;
  n: number;
}

export const summary = (xs: number[]): P50P99 => ({ p50: pct(xs, 50), p99: pct(xs, 99), n: xs.length });

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
