/**
 * The dataplane tier: real packets through what the network agent builds on this host
 * (bridges, dnsmasq in qdhcp- namespaces, nftables filters), with network namespaces
 * as VMs and the official `openstack` CLI making every network object. Runs as root;
 * everything it makes is removed, also on failure, and checked gone at the end.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeHostNamespace } from '../../src/cli/fake-host-underlay.js';
import { agentRunDir } from '../../src/network/agent/host-dataplane.js';
import { ownerTag } from '../../src/network/dataplane/linux/names.js';
import type { Cloud } from '../lib/cloud.js';
import { CaseRecorder, check, checkEqual, OpenStackCli, type CaseTotals } from '../cli/osc.js';
import { leftovers, sweep, type Footprint } from './leftovers.js';
import { NamespaceVm, OutsideHost, writeUdhcpcScript } from './namespace-vm.js';
import { run } from '../lib/proc.js';

type Row = Record<string, unknown>;

export const DATAPLANE_HOST = 'dp-host';

/** The test cloud's configuration: the linux dataplane, its names behind a prefix of this run. */
/** The one compute host: a fake host standing in a namespace on the underlay, so its ports cross VXLAN to the main host. */
export const FAKE_HOST = 'fake-host-1';

export function dataplaneConf(prefix: string): string {
  return [
    '[DEFAULT]', `host = ${DATAPLANE_HOST}`, '',
    '[network]', 'dataplane = linux', `namespace_prefix = ${prefix}`, 'fake_host_underlay = 169.254.250.0/24', '',
    // The main host's VXLAN devices are named by VNI: a range of its own keeps this cloud off any other on the machine.
    '[ml2_type_vxlan]', 'vni_ranges = 1001:2000', '',
    '[compute]', 'fake_hosts = 1', '',
  ].join('\n');
}

export function newPrefix(): string {
  return `dpt${randomBytes(2).toString('hex')}-`;
}

interface VmPort {
  id: string;
  mac: string;
  ip: string;
  vm: NamespaceVm;
}

/** The external network's addresses (a /24 of the TEST-NET-ish private range that no real uplink sees). */
const EXTERNAL_CIDR = '172.31.250';

/** The IPv6 SLAAC subnet on the first network (a ULA prefix). */
const V6_PREFIX = 'fd00:51::';

/** A Stratus-named bridge of no network, left as a crash might leave one. */
const STALE_BRIDGE = 'stbr-0000dead00';

const bridgeOf = (networkId: string): string => `stbr-${networkId}`.slice(0, 15);

async function hostPing(ip: string): Promise<boolean> {
  return (await run('busybox', ['ping', '-c', '1', '-W', '1', ip], { timeoutMs: 10_000 })).code === 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true or `ms` pass; the time it took, or null. */
async function within(ms: number, probe: () => Promise<boolean>): Promise<number | null> {
  const start = Date.now();
  do {
    if (await probe()) return Date.now() - start;
    await sleep(50);
  } while (Date.now() - start < ms);
  return null;
}

export async function runDataplaneSuite(cloud: Cloud, prefix: string, opts: { verbose: boolean }): Promise<CaseTotals> {
  const os = new OpenStackCli(cloud);
  const rec = new CaseRecorder(opts.verbose);
  const work = mkdtempSync(join(tmpdir(), 'stratus-dataplane-'));
  const script = writeUdhcpcScript(work);
  const footprint: Footprint = { prefix, networkIds: [], portIds: [], vmNamespaces: [], runDir: agentRunDir(prefix, DATAPLANE_HOST) };
  const vms = new Map<string, VmPort>();
  const vm = (name: string): VmPort => {
    const v = vms.get(name);
    if (!v) throw new Error(`VM ${name} was not made (an earlier case failed)`);
    return v;
  };
  const demo = { cloud: 'stratus-demo' };
  let outside: OutsideHost | undefined;
  let fipId: string | undefined;
  let serverId: string | undefined;
  let v6Attached = false;
  /** Figures seen along the way, printed with the results (verbose). */
  const timings: string[] = [];
  const staleNamespace = `${prefix}qdhcp-00000000-0000-4000-8000-00000000dead`;

  async function network(name: string, cidr: string): Promise<string> {
    const n = await os.json(['network', 'create', name], demo);
    footprint.networkIds.push(String(n.id));
    await os.json(['subnet', 'create', '--network', name, '--subnet-range', cidr, `${name}-subnet`], demo);
    return String(n.id);
  }

  /** A port made unbound, its VM namespace plugged to a veth named as the port's tap, then bound to the host. */
  async function bootVm(name: string, net: string, extra: string[] = [], host = DATAPLANE_HOST): Promise<VmPort> {
    const p = await os.json(['port', 'create', '--network', net, ...extra, `${name}-port`], demo);
    const id = String(p.id);
    footprint.portIds.push(id);
    const fixed = p.fixed_ips as Array<{ ip_address: string }> | string;
    const ip = Array.isArray(fixed) ? fixed[0]!.ip_address : /ip_address='([^']+)'/.exec(String(fixed))![1]!;
    const ns = `${prefix}vm-${name}`;
    footprint.vmNamespaces.push(ns);
    const v = new NamespaceVm(ns, id, String(p.mac_address), host === DATAPLANE_HOST ? undefined : fakeHostNamespace(prefix, host));
    await v.create();
    await os.ok(['port', 'set', '--host', host, id]);
    const port = { id, mac: String(p.mac_address), ip, vm: v };
    vms.set(name, port);
    return port;
  }

  async function portStatus(id: string): Promise<string> {
    return String((await os.json(['port', 'show', id])).status);
  }

  try {
    await rec.case('two VMs on one network: ports go ACTIVE, DHCP gives each its Neutron address, they ping each other', async () => {
      await network('dp-net1', '10.51.0.0/24');
      const a = await bootVm('a', 'dp-net1');
      const b = await bootVm('b', 'dp-net1');
      for (const p of [a, b]) {
        const active = await within(10_000, async () => (await portStatus(p.id)) === 'ACTIVE');
        check(active !== null, `port ${p.id} never went ACTIVE`);
      }
      checkEqual(await a.vm.dhcp(script), `${a.ip}/24`, 'VM a lease');
      checkEqual(await b.vm.dhcp(script), `${b.ip}/24`, 'VM b lease');
      check(await a.vm.ping(b.ip), `a cannot ping b (${b.ip})`);
      check(await b.vm.ping(a.ip), `b cannot ping a (${a.ip})`);
    });

    await rec.case('VXLAN: a VM on another host (a namespace with its own VTEP) gets its lease over the tunnel and pings a', async () => {
      const x = await bootVm('x', 'dp-net1', [], FAKE_HOST);
      check(await within(10_000, async () => (await portStatus(x.id)) === 'ACTIVE') !== null, `port ${x.id} on ${FAKE_HOST} never went ACTIVE`);
      checkEqual(await x.vm.dhcp(script), `${x.ip}/24`, 'VM x lease (from the main host\'s dnsmasq, over VXLAN)');
      check(await x.vm.ping(vm('a').ip), `x on ${FAKE_HOST} cannot ping a on ${DATAPLANE_HOST}`);
      check(await vm('a').vm.ping(x.ip), `a cannot ping x`);
    });

    await rec.case('the network has one DHCP port, network:dhcp on the host, ACTIVE', async () => {
      const net = footprint.networkIds[0]!;
      const rows = await os.json<Row[]>(['port', 'list', '--network', net, '--device-owner', 'network:dhcp', '--long']);
      checkEqual(rows.length, 1, 'DHCP ports');
      checkEqual(rows[0]!.Status, 'ACTIVE', 'DHCP port status');
    });

    await rec.case('a VM on another network gets its address but cannot reach the first network', async () => {
      await network('dp-net2', '10.52.0.0/24');
      const c = await bootVm('c', 'dp-net2');
      checkEqual(await c.vm.dhcp(script), `${c.ip}/24`, 'VM c lease');
      check(!(await c.vm.ping(vm('a').ip)), 'c reached a across networks');
    });

    await rec.case('a router with both subnets attached joins the networks: c reaches a', async () => {
      await os.ok(['router', 'create', 'dp-router'], demo);
      await os.ok(['router', 'add', 'subnet', 'dp-router', 'dp-net1-subnet'], demo);
      await os.ok(['router', 'add', 'subnet', 'dp-router', 'dp-net2-subnet'], demo);
      const joined = await within(5_000, () => vm('c').vm.ping(vm('a').ip));
      check(joined !== null, 'c still cannot reach a through the router');
    });

    await rec.case('IPv6 SLAAC: a slaac subnet on the router: VM a configures the address Neutron gave its port from the router\'s advertisements and pings the router', async () => {
      const v6 = await os.json(['subnet', 'create', '--network', 'dp-net1', '--ip-version', '6', '--ipv6-ra-mode', 'slaac', '--ipv6-address-mode', 'slaac',
        '--subnet-range', `${V6_PREFIX}/64`, 'dp-net1-v6'], demo);
      await os.ok(['router', 'add', 'subnet', 'dp-router', 'dp-net1-v6'], demo);
      v6Attached = true;
      const a = vm('a');
      // The new subnet gave the existing port its EUI-64 address (Neutron's add_auto_addrs_on_network_ports).
      const fixed = JSON.stringify((await os.json(['port', 'show', a.id], demo)).fixed_ips);
      const want = new RegExp(`${V6_PREFIX.slice(0, -1)}[0-9a-f:]+`).exec(fixed)?.[0];
      check(want !== undefined, `port ${a.id} has no address on ${V6_PREFIX}/64: ${fixed}`);
      const globals = async (): Promise<string[]> => {
        const r = await a.vm.exec(['ip', '-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']);
        const rows = r.stdout.trim() ? JSON.parse(r.stdout) as Array<{ addr_info?: Array<{ local: string; prefixlen: number }> }> : [];
        return rows.flatMap((row) => (row.addr_info ?? []).map((i) => `${i.local}/${i.prefixlen}`));
      };
      const took = await within(10_000, async () => (await globals()).length > 0);
      checkEqual(await globals(), [`${want!}/64`], `VM a's SLAAC address (after ${took ?? 'more than 10000'} ms)`);
      const gateway = String(v6.gateway_ip);
      const pinged = await within(5_000, async () => (await a.vm.exec(['busybox', 'ping', '-6', '-c', '1', '-W', '1', gateway], 15_000)).code === 0);
      check(pinged !== null, `VM a cannot ping6 the router at ${gateway}`);
      timings.push(`SLAAC address ${took ?? '-'} ms after the subnet was added to the router`);
    });

    await rec.case('metadata: a server\'s guest reads its own meta_data.json at 169.254.169.254, through the DHCP namespace and through the router', async () => {
      writeFileSync(join(work, 'disk.raw'), Buffer.alloc(1024 * 1024));
      await os.ok(['image', 'create', '--file', join(work, 'disk.raw'), '--disk-format', 'raw', '--container-format', 'bare', '--public', 'dp-image']);
      await os.ok(['flavor', 'create', '--ram', '256', '--disk', '1', '--vcpus', '1', 'dp-tiny']);
      // The guest's port and its "tap" exist first; compute binds the port to this host and the agent plugs the veth.
      const p = await os.json(['port', 'create', '--network', 'dp-net2', 'm-port'], demo);
      footprint.portIds.push(String(p.id));
      const ns = `${prefix}vm-m`;
      footprint.vmNamespaces.push(ns);
      // The server lands on the only compute host, the fake host: its guest's veth is made there.
      const guest = new NamespaceVm(ns, String(p.id), String(p.mac_address), fakeHostNamespace(prefix, FAKE_HOST));
      await guest.create();
      vms.set('m', { id: String(p.id), mac: String(p.mac_address), ip: '', vm: guest });
      const server = await os.json(['server', 'create', '--image', 'dp-image', '--flavor', 'dp-tiny', '--nic', `port-id=${String(p.id)}`, '--wait', 'dp-server'], demo);
      serverId = String(server.id);
      await guest.dhcp(script);
      const doc = await guest.httpGet('http://169.254.169.254/openstack/latest/meta_data.json');
      let meta: { uuid?: string; name?: string } = {};
      try { meta = JSON.parse(doc) as typeof meta; } catch { /* checked below */ }
      checkEqual([meta.uuid, meta.name], [serverId, 'dp-server'], `meta_data.json via the DHCP namespace (${doc.slice(0, 120)})`);
      // Without DHCP's host route the request takes the default route: the router's proxy answers.
      await guest.exec(['ip', 'route', 'del', '169.254.169.254']);
      const viaRouter = await guest.httpGet('http://169.254.169.254/openstack/latest/meta_data.json');
      check(viaRouter.includes(serverId), `meta_data.json via the router: ${viaRouter.slice(0, 120)}`);
      // A guest on the network without a server behind it is refused, not shown another's metadata.
      check(!(await vm('c').vm.httpGet('http://169.254.169.254/openstack/latest/meta_data.json')).includes(serverId), 'another guest read the server\'s metadata');
    });

    await rec.case('a MAC the network did not allocate gets no lease', async () => {
      const stranger = new NamespaceVm(`${prefix}vm-stranger`, 'fffffffffff-stranger', 'fa:16:3e:ff:ff:01');
      footprint.vmNamespaces.push(stranger.netns);
      await stranger.create();
      // Its veth is nobody's port, so it is plugged by hand into the first network's bridge.
      await run('ip', ['link', 'set', 'dev', stranger.tap, 'master', bridgeOf(footprint.networkIds[0]!), 'up']);
      let leased = true;
      try { await stranger.dhcp(script, 2); } catch { leased = false; }
      await stranger.remove();
      check(!leased, 'a stranger MAC got a lease');
    });

    await rec.case('security groups: no ICMP rule, no ping; `security group rule create --protocol icmp` opens it within a second; delete closes it', async () => {
      const sg = await os.json(['security', 'group', 'create', 'dp-closed'], demo);
      const d = await bootVm('d', 'dp-net1', ['--security-group', String(sg.id)]);
      checkEqual(await d.vm.dhcp(script), `${d.ip}/24`, 'VM d lease');
      check(!(await vm('a').vm.ping(d.ip)), 'a pinged d with no ingress rule');
      // The clock starts when the CLI has returned (the rule exists): enforcement must follow within a second.
      const rule = await os.json(['security', 'group', 'rule', 'create', '--protocol', 'icmp', '--ingress', String(sg.id)], demo);
      const created = Date.now();
      const opened = await vm('a').vm.pingUntil(d.ip, 'reply', 1_000);
      check(opened !== null, 'ping still blocked a second after the rule was made');
      const cut = vm('a').vm.pingUntil(d.ip, 'loss', 15_000);
      await sleep(300);
      await os.ok(['security', 'group', 'rule', 'delete', String(rule.id)], demo);
      const deleted = Date.now();
      const lastReply = await cut;
      check(lastReply !== null && lastReply - deleted <= 1_000, `a live ping went on ${lastReply === null ? 'and on' : `for ${lastReply - deleted} ms`} after the rule was deleted`);
      check(!(await vm('a').vm.ping(d.ip)), 'a new ping passes after the rule was deleted');
      timings.push(`rule to traffic ${opened - created} ms, delete to cut ${Math.max(0, lastReply - deleted)} ms`);
    });

    await rec.case('remote-group rules follow membership', async () => {
      const friends = await os.json(['security', 'group', 'create', 'dp-friends'], demo);
      const guarded = await os.json(['security', 'group', 'create', 'dp-guarded'], demo);
      await os.ok(['security', 'group', 'rule', 'create', '--protocol', 'icmp', '--ingress', '--remote-group', String(friends.id), String(guarded.id)], demo);
      const e = await bootVm('e', 'dp-net1', ['--security-group', String(guarded.id)]);
      checkEqual(await e.vm.dhcp(script), `${e.ip}/24`, 'VM e lease');
      check(!(await vm('b').vm.ping(e.ip)), 'b pinged e before joining the remote group');
      await os.ok(['port', 'set', '--security-group', String(friends.id), vm('b').id], demo);
      check(await vm('b').vm.pingUntil(e.ip, 'reply', 2_000) !== null, 'b cannot ping e after joining the remote group');
      await os.ok(['port', 'unset', '--security-group', String(friends.id), vm('b').id], demo);
      check(await within(2_000, async () => !(await vm('b').vm.ping(e.ip))) !== null, 'b still pings e after leaving the remote group');
    });

    await rec.case('anti-spoofing: a VM sending from an address not its own is dropped', async () => {
      const a = vm('a');
      await a.vm.addAddress('10.51.0.250/24');
      check(await a.vm.ping(vm('b').ip), 'a cannot ping b from its own address');
      check(!(await a.vm.ping(vm('b').ip, { from: '10.51.0.250' })), 'a spoofed source reached b');
    });

    await rec.case('router gateway: a VM reaches a host on the external network, seen as the router\'s gateway address (SNAT)', async () => {
      const ext = await os.json(['network', 'create', '--external', '--provider-network-type', 'flat', '--provider-physical-network', 'dp-physnet', 'dp-public']);
      footprint.networkIds.push(String(ext.id));
      await os.ok(['subnet', 'create', '--network', 'dp-public', '--subnet-range', `${EXTERNAL_CIDR}.0/24`, '--gateway', `${EXTERNAL_CIDR}.1`, '--no-dhcp', 'dp-public-subnet']);
      await os.ok(['router', 'set', '--external-gateway', 'dp-public', 'dp-router']);
      const router = await os.json(['router', 'show', 'dp-router']);
      const gatewayIp = (router.external_gateway_info as { external_fixed_ips: Array<{ ip_address: string }> }).external_fixed_ips[0]!.ip_address;
      outside = await OutsideHost.start(`${prefix}outside`, bridgeOf(String(ext.id)), `${EXTERNAL_CIDR}.200/24`, work);
      footprint.vmNamespaces.push(outside.netns);
      const seen = await within(5_000, async () => (await vm('a').vm.httpGet(`http://${EXTERNAL_CIDR}.200:8080/cgi-bin/ip`)) === gatewayIp);
      check(seen !== null, `the outside host did not see ${gatewayIp}: ${await vm('a').vm.httpGet(`http://${EXTERNAL_CIDR}.200:8080/cgi-bin/ip`)}`);
    });

    await rec.case('floating IP: the host reaches the VM at its floating address; after unset it does not', async () => {
      const open = await os.json(['security', 'group', 'create', 'dp-open'], demo);
      await os.ok(['security', 'group', 'rule', 'create', '--protocol', 'icmp', '--ingress', String(open.id)], demo);
      await os.ok(['port', 'set', '--security-group', String(open.id), vm('a').id], demo);
      const fip = await os.json(['floating', 'ip', 'create', 'dp-public'], demo);
      fipId = String(fip.id);
      const address = String(fip.floating_ip_address);
      await os.ok(['floating', 'ip', 'set', '--port', vm('a').id, fipId], demo);
      check(await within(5_000, () => hostPing(address)) !== null, `the host cannot ping the floating IP ${address}`);
      // The VM's own traffic to the outside now leaves as its floating IP.
      checkEqual(await vm('a').vm.httpGet(`http://${EXTERNAL_CIDR}.200:8080/cgi-bin/ip`), address, 'source seen outside');
      await os.ok(['floating', 'ip', 'unset', '--port', fipId], demo);
      check(await within(3_000, async () => !(await hostPing(address))) !== null, 'the floating IP still answers after unset');
    });

    await rec.case('kill -9 of the cloud, then restart: the agent removes what is no longer wanted and keeps what is', async () => {
      // Things of this agent (its owner tag, its prefix) nobody wants any more, as a crash may leave them...
      await run('ip', ['link', 'add', 'name', STALE_BRIDGE, 'type', 'bridge']);
      await run('ip', ['link', 'set', 'dev', STALE_BRIDGE, 'alias', ownerTag(agentRunDir(prefix, DATAPLANE_HOST))]);
      await run('ip', ['netns', 'add', staleNamespace]);
      // ...and a port deleted just before the crash, whose unplug may never have run.
      const b = vm('b');
      await os.ok(['port', 'delete', b.id], demo);
      await cloud.restart('SIGKILL');
      const devices = (await run('ip', ['-br', 'link', 'show'])).stdout;
      const spaces = (await run('ip', ['netns', 'list'])).stdout;
      check(!devices.includes(STALE_BRIDGE), `${STALE_BRIDGE} survived the reconcile`);
      check(!spaces.includes(staleNamespace), `${staleNamespace} survived the reconcile`);
      check(!devices.includes(b.vm.tap), `the deleted port's device ${b.vm.tap} survived the reconcile`);
      await b.vm.remove();
      vms.delete('b');
      check(await within(5_000, () => vm('c').vm.ping(vm('a').ip)) !== null, 'c cannot reach a through the router after the restart');
      check(await within(5_000, () => vm('x').vm.ping(vm('a').ip)) !== null, 'x on the fake host cannot reach a over VXLAN after the restart');
      checkEqual(await vm('a').vm.dhcp(script), `${vm('a').ip}/24`, 'a renews its lease after the restart');
    });

    await rec.case('a clean restart under live traffic loses no packet of a routed flow', async () => {
      const pinger = spawn('ip', ['netns', 'exec', vm('c').vm.netns, 'busybox', 'ping', '-i', '0.2', vm('a').ip], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      pinger.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      const ended = new Promise((resolve) => pinger.once('exit', resolve));
      await sleep(1_000);
      await cloud.restart('SIGTERM');
      await sleep(1_000);
      pinger.kill('SIGINT');
      await ended;
      const m = /(\d+) packets transmitted, (\d+) packets received/.exec(out);
      check(m !== null, `no ping summary: ${out.slice(-200)}`);
      const [sent, got] = [Number(m[1]), Number(m[2])];
      // The last request may still be in flight when ping is stopped.
      check(sent > 5 && sent - got <= 1, `${sent - got} of ${sent} pings lost across the restart`);
    });

    await rec.case('deleting the ports, networks and groups removes every bridge, DHCP namespace and dnsmasq of them', async () => {
      await outside?.stop();
      if (fipId) await os.ok(['floating', 'ip', 'delete', fipId], demo);
      await os.ok(['router', 'unset', '--external-gateway', 'dp-router']);
      if (v6Attached) await os.ok(['router', 'remove', 'subnet', 'dp-router', 'dp-net1-v6'], demo);
      await os.ok(['router', 'remove', 'subnet', 'dp-router', 'dp-net1-subnet'], demo);
      await os.ok(['router', 'remove', 'subnet', 'dp-router', 'dp-net2-subnet'], demo);
      await os.ok(['router', 'delete', 'dp-router'], demo);
      if (serverId) await os.ok(['server', 'delete', '--wait', serverId], demo);
      for (const v of vms.values()) {
        // A port given to server create outlives the server (Nova deletes only ports it made).
        await os.ok(['port', 'delete', v.id], demo);
        await v.vm.remove();
      }
      await os.ok(['network', 'delete', 'dp-net1', 'dp-net2'], demo);
      await os.ok(['network', 'delete', 'dp-public']);
      // The run dir, the fake host's namespace and its underlay stay until the cloud stops.
      const stillRunning = (l: string): boolean => l.startsWith('directory') || l === `namespace ${fakeHostNamespace(prefix, FAKE_HOST)}` || l.startsWith('device stul');
      const gone = await within(10_000, async () => (await leftovers({ ...footprint, vmNamespaces: [] })).filter((l) => !stillRunning(l)).length === 0);
      check(gone !== null, `left behind: ${(await leftovers(footprint)).join(', ')}`);
    });
  } finally {
    await outside?.stop();
    for (const v of vms.values()) await v.vm.remove().catch(() => undefined);
    await run('ip', ['link', 'del', 'dev', STALE_BRIDGE]);
    await run('ip', ['netns', 'del', staleNamespace]);
    rmSync(work, { recursive: true, force: true });
  }
  if (opts.verbose) for (const t of timings) process.stdout.write(`  note  ${t}\n`);
  return { ...rec.totals, footprint } as CaseTotals & { footprint: Footprint };
}

export { leftovers, sweep };
