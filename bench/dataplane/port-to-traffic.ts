/**
 * Figure 1, port to traffic: from `POST /v2.0/ports` (then the VM's namespace and veth,
 * then the binding to the host, as Nova does it) to the port ACTIVE, and to a DHCP
 * lease in the VM. udhcpc is started once the port is ACTIVE, as a guest's would run
 * once its NIC is up; it retries only every second (-T 1 is its minimum), so a lease
 * that misses the first DISCOVER shows up as a second more.
 */
import { ActiveWatcher, type Port } from './neutron.js';
import { makeVmFor, removeVm, summary, type BenchContext, type P50P99, type Vm } from './vms.js';

/** One port's milestones, in ms from the POST being sent. */
interface Milestones {
  posted: number;
  vmMade: number;
  bound: number;
  active: number;
  leased: number;
}

export interface PortToTraffic {
  alone: { active: P50P99; lease: P50P99; leaseAfterActive: P50P99; apiAndVm: P50P99 };
  atOnce: { ports: number; active: P50P99; lease: P50P99; leaseAfterActive: P50P99; allLeasedMs: number; slowLeases: number };
}

/** `activeWithinMs`: the agent applies changes one at a time, so many ports at once wait for each other. */
async function portToLease(ctx: BenchContext, watcher: ActiveWatcher, networkId: string, name: string, activeWithinMs = 60_000): Promise<{ vm: Vm; ms: Milestones }> {
  const t0 = performance.now();
  const since = (): number => performance.now() - t0;
  const port: Port = await ctx.neutron.port(networkId, { name });
  ctx.footprint.portIds.push(port.id);
  const posted = since();
  const vm = await makeVmFor(ctx, name, port, ctx.mainHost);
  const vmMade = since();
  await ctx.neutron.bind(port.id, ctx.mainHost);
  const bound = since();
  const active = (await watcher.active(port.id, activeWithinMs)) - t0;
  const lease = await vm.dhcp(ctx.udhcpcScript, 10);
  const leased = since();
  if (!lease.startsWith(`${port.ip}/`)) throw new Error(`VM ${name} leased ${lease}, its port has ${port.ip}`);
  return { vm: { port, vm }, ms: { posted, vmMade, bound, active, leased } };
}

/** Ports through to a lease one after another (`alone`), then `atOnce` of them together. */
export async function measurePortToTraffic(ctx: BenchContext, networkId: string, alone: number, atOnce: number): Promise<PortToTraffic> {
  const watcher = new ActiveWatcher(ctx.neutron, networkId);
  // One port through first, unmeasured: the network's dnsmasq and filters are then up, as on a network in use.
  const warm = await portToLease(ctx, watcher, networkId, 'warm');
  await removeVm(ctx, warm.vm);

  const single: Milestones[] = [];
  for (let i = 0; i < alone; i++) {
    const r = await portToLease(ctx, watcher, networkId, `one${i}`);
    single.push(r.ms);
    await removeVm(ctx, r.vm);
  }

  const t0 = performance.now();
  const batch = await Promise.all(Array.from({ length: atOnce }, (_, i) => portToLease(ctx, watcher, networkId, `many${i}`, 300_000)));
  const allLeasedMs = Math.round(performance.now() - t0);
  for (let i = 0; i < batch.length; i += 10) await Promise.all(batch.slice(i, i + 10).map((r) => removeVm(ctx, r.vm)));

  const of = (ms: Milestones[], f: (m: Milestones) => number): P50P99 => summary(ms.map(f));
  const many = batch.map((r) => r.ms);
  return {
    alone: {
      active: of(single, (m) => m.active), lease: of(single, (m) => m.leased),
      leaseAfterActive: of(single, (m) => m.leased - m.active), apiAndVm: of(single, (m) => m.bound),
    },
    atOnce: {
      ports: atOnce, active: of(many, (m) => m.active), lease: of(many, (m) => m.leased),
      leaseAfterActive: of(many, (m) => m.leased - m.active), allLeasedMs,
      // A lease a second or more after ACTIVE missed udhcpc's first DISCOVER (see above).
      slowLeases: many.filter((m) => m.leased - m.active >= 1000).length,
    },
  };
}
