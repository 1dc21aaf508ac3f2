import { CommandFailed, ipJson, runCommand } from './exec.js';

/**
 * Network devices of one namespace (the host's by default), through iproute2. Every
 * call is idempotent: "ensure" makes a device match, "remove" tolerates its absence,
 * because a reconcile after a crash finds any mix of done and not done.
 */

export interface Link {
  ifname: string;
  /** bridge, vxlan, vlan, veth, tun, ... (absent for physical devices). */
  kind?: string;
  master?: string;
  mtu: number;
  address?: string;
  up: boolean;
  /** The owner tag a Stratus agent put on a device it made (the interface alias). */
  owner?: string;
}

interface IpLink {
  ifname: string;
  master?: string;
  mtu: number;
  address?: string;
  flags?: string[];
  ifalias?: string;
  linkinfo?: { info_kind?: string };
}

function linkOf(r: IpLink): Link {
  return {
    ifname: r.ifname, mtu: r.mtu, up: r.flags?.includes('UP') ?? false,
    ...(r.linkinfo?.info_kind ? { kind: r.linkinfo.info_kind } : {}), ...(r.master ? { master: r.master } : {}),
    ...(r.address ? { address: r.address } : {}), ...(r.ifalias ? { owner: r.ifalias } : {}),
  };
}

/**
 * Every device a Links makes carries its owner tag as the interface alias: a reconcile
 * removes only devices with its own tag, so two clouds (a test run and a benchmark) on
 * one machine never remove each other's bridges, and nothing else is ever touched.
 */
export class Links {
  /** `netns`: the namespace standing in for the host (tests run two "hosts" on one machine), or the host's own. */
  constructor(readonly owner: string, readonly netns?: string) {}

  private ip(args: string[]): Promise<string> {
    return runCommand('ip', [...(this.netns ? ['-n', this.netns] : []), ...args]);
  }

  async list(): Promise<Link[]> {
    return (await ipJson<IpLink>(['-d', 'link', 'show'], this.netns)).map(linkOf);
  }

  async get(name: string): Promise<Link | undefined> {
    try {
      const r = (await ipJson<IpLink>(['-d', 'link', 'show', 'dev', name], this.netns))[0];
      return r && linkOf(r);
    } catch (e) {
      if (e instanceof CommandFailed && /does not exist|Cannot find device|No such device/.test(e.stderr)) return undefined;
      throw e;
    }
  }

  /**
   * A bridge with no address of its own: no IPv6 link-local either, so the host never
   * appears on a tenant network. No STP and no forwarding delay: ports pass traffic at once.
   */
  async ensureBridge(name: string, mtu: number): Promise<void> {
    if (!(await this.get(name))) {
      await this.ip(['link', 'add', 'name', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
      await this.tag(name);
      await this.sysctl(`net.ipv6.conf.${name}.disable_ipv6`, '1');
    }
    await this.ip(['link', 'set', 'dev', name, 'mtu', String(mtu), 'up']);
  }

  /** The VXLAN device of a network (VNI), learning MACs, bridged into the network's bridge. */
  async ensureVxlan(name: string, vni: number, localIp: string, mtu: number, bridge: string): Promise<void> {
    const existing = await this.get(name);
    // Another cloud on this machine uses the same VNI: taking its device would cut its network off.
    if (existing && existing.owner !== undefined && existing.owner !== this.owner) {
      throw new Error(`${name} (VNI ${vni}) belongs to another agent (${existing.owner}); give the clouds on this machine distinct [ml2_type_vxlan] vni_ranges`);
    }
    if (!existing) {
      await this.ip(['link', 'add', 'name', name, 'type', 'vxlan', 'id', String(vni), 'local', localIp, 'dstport', '4789']);
      await this.tag(name);
    }
    await this.attach(name, bridge, mtu);
  }

  /** A VLAN subinterface of a physical device, bridged into a provider network's bridge. */
  async ensureVlan(name: string, physical: string, vlanId: number, mtu: number, bridge: string): Promise<void> {
    if (!(await this.get(name))) {
      await this.ip(['link', 'add', 'link', physical, 'name', name, 'type', 'vlan', 'id', String(vlanId)]);
      await this.tag(name);
    }
    await this.attach(name, bridge, mtu);
  }

  /** A persistent tap a hypervisor opens by name later. */
  async ensureTap(name: string): Promise<void> {
    if (await this.get(name)) return;
    try {
      await this.ip(['tuntap', 'add', 'dev', name, 'mode', 'tap']);
    } catch (e) {
      // The hypervisor made it meanwhile (its driver stops waiting for us under load): plugging it is our job all the same.
      if (await this.get(name)) return;
      throw e;
    }
    await this.tag(name);
  }

  /**
   * A veth pair whose second end goes into `netns` (made if missing) with a name and MAC
   * there: how a namespace (a DHCP server, a router) sits on a bridge.
   */
  async ensureVethInto(hostEnd: string, netns: string, nsEnd: string, mac: string): Promise<void> {
    const existing = await this.get(hostEnd);
    if (existing && existing.kind !== 'veth') throw new Error(`${hostEnd} exists and is not a veth`);
    if (!existing) {
      // Made under a temporary name and renamed inside: the final name may exist on the host side.
      const temp = `stv${Math.random().toString(36).slice(2, 11)}`;
      await this.ip(['link', 'add', 'name', hostEnd, 'type', 'veth', 'peer', 'name', temp]);
      await this.tag(hostEnd);
      await this.sysctl(`net.ipv6.conf.${hostEnd}.disable_ipv6`, '1');
      await this.ip(['link', 'set', 'dev', temp, 'netns', netns]);
      await runCommand('ip', ['-n', netns, 'link', 'set', 'dev', temp, 'name', nsEnd]);
    }
    await runCommand('ip', ['-n', netns, 'link', 'set', 'dev', nsEnd, 'address', mac, 'up']);
  }

  /** Puts a device into a bridge with the network's MTU and brings it up. */
  async attach(device: string, bridge: string, mtu: number): Promise<void> {
    await this.ip(['link', 'set', 'dev', device, 'mtu', String(mtu), 'master', bridge, 'up']);
  }

  async remove(name: string): Promise<void> {
    try {
      await this.ip(['link', 'del', 'dev', name]);
    } catch (e) {
      if (e instanceof CommandFailed && /does not exist|Cannot find device|No such device/.test(e.stderr)) return;
      throw e;
    }
  }

  /** VXLAN flood entries (all-zero MAC) of a device: the remote endpoints it sends BUM traffic to. */
  async floodPeers(vxlan: string): Promise<string[]> {
    const out = await runCommand('bridge', [...(this.netns ? ['-n', this.netns] : []), '-j', 'fdb', 'show', 'dev', vxlan]);
    const rows = out.trim() === '' ? [] : JSON.parse(out) as Array<{ mac: string; dst?: string }>;
    return rows.filter((r) => r.mac === '00:00:00:00:00:00' && r.dst).map((r) => r.dst!);
  }

  async setFloodPeers(vxlan: string, peers: readonly string[]): Promise<void> {
    const current = new Set(await this.floodPeers(vxlan));
    const bridge = (args: string[]): Promise<string> => runCommand('bridge', [...(this.netns ? ['-n', this.netns] : []), ...args]);
    for (const p of peers) if (!current.has(p)) await bridge(['fdb', 'append', '00:00:00:00:00:00', 'dev', vxlan, 'dst', p]);
    for (const p of current) if (!peers.includes(p)) await bridge(['fdb', 'del', '00:00:00:00:00:00', 'dev', vxlan, 'dst', p]);
  }

  private async tag(name: string): Promise<void> {
    await this.ip(['link', 'set', 'dev', name, 'alias', this.owner]);
  }

  private async sysctl(key: string, value: string): Promise<void> {
    await runCommand('sysctl', ['-qw', `${key}=${value}`], this.netns ? { netns: this.netns } : {});
  }
}
