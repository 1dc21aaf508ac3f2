import { rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../../../core/log.js';
import type { DhcpServer, GroupFilter, HostDataplane, HostState, PortWiring, RouterPort, RouterWiring } from '../driver.js';
import { DnsmasqServers } from './dhcp-server.js';
import { runCommand } from './exec.js';
import { applyFirewall, firewallScript, removeFirewallScript } from './firewall.js';
import { Links } from './links.js';
import {
  BRIDGE_PREFIX, VLAN_PREFIX, VXLAN_PREFIX, bridgeName, dhcpInterfaceName, dhcpNamespace, filterTables, gatewayInterfaceName, routerInterfaceName,
  ownerTag, routerNamespace, tapName, vlanName, vxlanName,
} from './names.js';
import { ensureNamespace, listNamespaces, removeNamespace, setAddresses } from './namespaces.js';
import { lostMembers, removedRuleEnds } from './rule-changes.js';
import { ZoneBook } from './zones.js';
import { externalGuardScript } from './external-guard.js';
import { applyNft } from './nft.js';
import { ROUTER_METADATA_PORT, routerNatScript } from './router-nat.js';
import { MetadataProxies } from '../../metadata-proxy/index.js';
import { setRouterRoutes } from './router-routes.js';
import { RouterAdvertisers, radvdConfig } from './radvd.js';

export interface LinuxDataplaneOptions {
  /** Where the agent keeps what must outlive a reboot (the conntrack zone book). */
  stateDir: string;
  /**
   * Where the DHCP servers' files live (configs, leases, pid files): a root-owned
   * directory every user can traverse, because dnsmasq reads them after dropping to
   * `nobody` (a data dir under /root could not be read). Gone on reboot, as the servers are.
   */
  runDir: string;
  /** A namespace standing in for the host (two agents as two hosts on one machine), or the host itself. */
  hostNamespace?: string;
  /** Put before qdhcp-/qrouter- namespace names and in the filter tables' names, so two agents on one machine keep apart. */
  namespacePrefix: string;
  /** This host's VXLAN endpoint ([vxlan] local_ip); without it VXLAN networks stay on the host. */
  tunnelingIp?: string;
  /**
   * The metadata agent's unix socket: with it, every DHCP and router namespace runs a
   * metadata proxy (169.254.169.254) that forwards there; without it, none.
   */
  metadataSocket?: string;
  /** physnet -> host interface ([linux_bridge] physical_interface_mappings) for flat and VLAN networks. */
  physicalInterfaces: ReadonlyMap<string, string>;
  log: Logger;
}

/** A port this host wired: its device on the bridge and its index in the filters' packet marks. */
interface PluggedPort {
  wiring: PortWiring;
  device: string;
  index: number;
}

const isDhcpPort = (p: PortWiring): boolean => p.deviceOwner === 'network:dhcp';

const routerPorts = (r: RouterWiring): RouterPort[] => [...r.interfaces, ...(r.gateway ? [r.gateway] : [])];

/** A router port's addresses with their subnets' prefix lengths. */
const cidrsOf = (rp: RouterPort): string[] => rp.port.fixedIps.flatMap((f) => {
  const subnet = rp.subnets.find((s) => s.id === f.subnetId);
  return subnet ? [`${f.ipAddress}/${subnet.cidr.split('/')[1]}`] : [];
});

/**
 * The Linux dataplane of one host, after Neutron's linuxbridge, DHCP agents: a
 * bridge per network with its VXLAN or VLAN uplink, a device per port, DHCP servers
 * in qdhcp- namespaces, and the ports' filters as one nftables ruleset rebuilt
 * atomically on every change. Everything it makes carries a Stratus name (see
 * names.ts), and a reconcile removes such things when they are no longer wanted, so a
 * restart after a crash leaves the host exactly as the service describes it. Live
 * traffic survives a restart: devices that match are left alone, and conntrack zones
 * are kept on disk.
 */
export class LinuxDataplane implements HostDataplane {
  readonly kind = 'linux';
  private readonly links: Links;
  private readonly dhcpServers: DnsmasqServers;
  private readonly zones: ZoneBook;
  private readonly proxies: MetadataProxies;
  private readonly advertisers: RouterAdvertisers;
  private readonly ports = new Map<string, PluggedPort>();
  private readonly groups = new Map<string, GroupFilter>();
  private readonly dhcp = new Map<string, DhcpServer>();
  private readonly routers = new Map<string, RouterWiring>();
  /** Networks wired on this host, with their MTU and segment (from the last port or server seen). */
  private readonly networks = new Map<string, PortWiring>();
  private peers: string[] = [];
  /** Set when the agent stops: batches end after their current step. */
  private interrupted = false;
  /** Inside filtersOnceAfter: filter updates wait for its end. */
  private filtersHeld = 0;
  /** The filter script last applied, so an unchanged one is not applied again. */
  private appliedFilters: string | null = null;

  constructor(private readonly options: LinuxDataplaneOptions) {
    this.links = new Links(ownerTag(options.runDir), options.hostNamespace);
    this.dhcpServers = new DnsmasqServers({ stateDir: options.runDir, namespacePrefix: options.namespacePrefix, log: options.log });
    this.zones = new ZoneBook(join(options.stateDir, 'conntrack-zones.json'));
    this.proxies = new MetadataProxies({ runDir: options.runDir, log: options.log });
    this.advertisers = new RouterAdvertisers({ runDir: options.runDir, log: options.log });
  }

  async plugPorts(ports: PortWiring[], groups: GroupFilter[]): Promise<string[]> {
    for (const g of groups) this.groups.set(g.id, g);
    const plugged: string[] = [];
    for (const port of ports) {
      try {
        await this.wirePort(port);
        plugged.push(port.portId);
      } catch (err) {
        this.options.log.error({ err, port: port.portId }, 'linux dataplane: port not plugged');
      }
    }
    await this.applyFilters();
    return plugged;
  }

  async unplugPorts(ports: Array<{ portId: string; networkId: string }>): Promise<void> {
    for (const { portId, networkId } of ports) await this.forgetPort(portId, networkId);
    await this.applyFilters();
  }

  /** Removes a port's device (a namespace end goes with it) and its network's bridge when nothing else uses it. */
  private async forgetPort(portId: string, networkId: string): Promise<void> {
    const plugged = this.ports.get(portId);
    this.ports.delete(portId);
    if (plugged) await this.links.remove(plugged.device);
    await this.dropNetworkIfUnused(networkId);
  }

  async updateGroups(groups: GroupFilter[]): Promise<void> {
    const before = new Map(this.groups);
    for (const g of groups) this.groups.set(g.id, g);
    await this.applyFilters();
    // Connections a removed rule allowed must meet the new rules: forget them (Neutron
    // deletes the matching conntrack entries too), so a closed port closes at once.
    const closing = new Map<string, Set<'source' | 'destination'>>();
    const close = (groupId: string, ends: Array<'source' | 'destination'>): void => {
      for (const e of ends) closing.set(groupId, (closing.get(groupId) ?? new Set()).add(e));
    };
    for (const g of groups) {
      const old = before.get(g.id);
      if (!old) continue;
      close(g.id, removedRuleEnds(old, g));
      // Groups whose rules name a group that lost members allow less too.
      if (lostMembers(old, g)) {
        for (const h of this.groups.values()) if (h.rules.some((r) => r.remoteGroupId === g.id)) close(h.id, ['source', 'destination']);
      }
    }
    for (const [groupId, ends] of closing) for (const end of ends) await this.forgetConnections(groupId, end);
  }

  async updateTunnelPeers(peers: string[]): Promise<void> {
    this.peers = [...peers];
    for (const wiring of this.networks.values()) {
      if (wiring.segment.networkType === 'vxlan' && wiring.segment.segmentationId !== null && this.options.tunnelingIp) {
        await this.links.setFloodPeers(vxlanName(wiring.segment.segmentationId), this.peers);
      }
    }
  }

  async syncDhcpServers(servers: DhcpServer[]): Promise<void> {
    await this.filtersOnceAfter(async () => { for (const server of servers) if (!this.interrupted) await this.syncDhcp(server); });
  }

  async syncRouters(routers: RouterWiring[]): Promise<void> {
    await this.filtersOnceAfter(async () => { for (const router of routers) if (!this.interrupted) await this.syncRouter(router); });
  }

  interrupt(): void {
    this.interrupted = true;
  }

  private async syncDhcp(server: DhcpServer): Promise<void> {
    await this.wirePort(server.port);
    const ns = dhcpNamespace(this.options.namespacePrefix, server.networkId);
    const prefixOf = new Map(server.subnets.map((s) => [s.id, s.cidr.split('/')[1]]));
    const addresses = server.port.fixedIps.filter((f) => prefixOf.has(f.subnetId)).map((f) => `${f.ipAddress}/${prefixOf.get(f.subnetId)}`);
    await setAddresses(ns, dhcpInterfaceName(server.port.portId), [...addresses, '169.254.169.254/32']);
    await this.dhcpServers.sync(server);
    if (this.options.metadataSocket) await this.proxies.ensure(ns, { networkId: server.networkId }, '169.254.169.254:80', this.options.metadataSocket);
    this.dhcp.set(server.networkId, server);
    await this.applyFilters();
  }

  async removeDhcp(networkId: string): Promise<void> {
    const server = this.dhcp.get(networkId);
    this.dhcp.delete(networkId);
    await this.dhcpServers.remove(networkId);
    await this.proxies.remove(dhcpNamespace(this.options.namespacePrefix, networkId));
    await removeNamespace(dhcpNamespace(this.options.namespacePrefix, networkId));
    if (server) {
      this.ports.delete(server.port.portId);
      await this.links.remove(tapName(server.port.portId));
    }
    await this.dropNetworkIfUnused(networkId);
    await this.applyFilters();
  }

  /**
   * A router's namespace with forwarding on, a veth per interface and gateway port
   * (qr-/qg-) holding the port's addresses (the gateway also the floating IPs, so it
   * answers ARP for them), its routes, its NAT table, and its radvd when an interface
   * has an IPv6 subnet with an RA mode. The host side of the external
   * network's bridge gets the external subnet's gateway address, so the host reaches
   * floating IPs and SNATed traffic comes to the host (and no further: see external-guard).
   */
  private async syncRouter(router: RouterWiring): Promise<void> {
    const ns = routerNamespace(this.options.namespacePrefix, router.routerId);
    await ensureNamespace(ns);
    await runCommand('sysctl', ['-qw', 'net.ipv4.ip_forward=1'], { netns: ns });
    await runCommand('sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1'], { netns: ns });
    const ports = routerPorts(router);
    const wanted = new Set(ports.map((rp) => this.namespaceEnd(rp.port)!.ifname));
    const inside = new Links(ownerTag(this.options.runDir), ns);
    for (const l of await inside.list()) {
      if ((l.ifname.startsWith('qr-') || l.ifname.startsWith('qg-')) && !wanted.has(l.ifname)) await inside.remove(l.ifname);
    }
    const before = this.routers.get(router.routerId);
    this.routers.set(router.routerId, router);
    for (const old of before ? routerPorts(before) : []) {
      if (!ports.some((rp) => rp.port.portId === old.port.portId)) await this.forgetPort(old.port.portId, old.port.networkId);
    }
    // A floating address on the gateway makes the router answer for it: a new one is added
    // only once its NAT is in place (else the router itself would answer), one going is
    // removed before its NAT goes.
    const fipsOf = (r: RouterWiring | undefined): string[] => (r ? r.floatingIps.map((f) => `${f.floatingIp}/32`) : []);
    const staying = fipsOf(router).filter((f) => fipsOf(before).includes(f));
    const setPortAddresses = async (fips: string[]): Promise<void> => {
      for (const rp of ports) await setAddresses(ns, this.namespaceEnd(rp.port)!.ifname, [...cidrsOf(rp), ...(rp === router.gateway ? fips : [])]);
    };
    for (const rp of ports) await this.wirePort(rp.port);
    await setPortAddresses(staying);
    await setRouterRoutes(ns, router);
    await applyNft(routerNatScript(router), ns);
    await setPortAddresses(fipsOf(router));
    // IPv6 subnets with an RA mode: guests learn their prefix and default route from radvd.
    await this.advertisers.sync(router.routerId, ns, radvdConfig(router));
    // Guests behind the router reach metadata through it (its NAT sends 169.254.169.254:80 here).
    if (this.options.metadataSocket && router.interfaces.length > 0) {
      await this.proxies.ensure(ns, { routerId: router.routerId }, `0.0.0.0:${ROUTER_METADATA_PORT}`, this.options.metadataSocket);
    } else {
      await this.proxies.remove(ns);
    }
    await this.setExternalAddresses();
    await this.applyFilters();
  }

  async removeRouter(routerId: string): Promise<void> {
    const router = this.routers.get(routerId);
    this.routers.delete(routerId);
    // The namespace takes its veth ends with it, and so their bridge ends.
    await this.proxies.remove(routerNamespace(this.options.namespacePrefix, routerId));
    await this.advertisers.remove(routerId);
    await removeNamespace(routerNamespace(this.options.namespacePrefix, routerId));
    for (const rp of router ? routerPorts(router) : []) await this.forgetPort(rp.port.portId, rp.port.networkId);
    await this.setExternalAddresses();
    await this.applyFilters();
  }

  async reconcile(state: HostState, dhcp: DhcpServer[]): Promise<void> {
    this.ports.clear();
    this.groups.clear();
    this.dhcp.clear();
    this.routers.clear();
    this.networks.clear();
    this.appliedFilters = null;
    this.peers = [...state.tunnelPeers];
    for (const g of state.groups) this.groups.set(g.id, g);
    await this.filtersOnceAfter(async () => {
      for (const p of state.ports) if (!this.interrupted && (!isDhcpPort(p) || dhcp.some((s) => s.port.portId === p.portId))) await this.wirePort(p);
      for (const server of dhcp) if (!this.interrupted) await this.syncDhcp(server);
      for (const router of state.routers) if (!this.interrupted) await this.syncRouter(router);
      // An interrupted reconcile knows only part of the host: it removes nothing.
      if (this.interrupted) return;
      await this.removeUnwanted();
      this.zones.keepOnly(new Set(this.networks.keys()));
    });
  }

  async close(): Promise<void> {
    // DHCP servers and devices stay: traffic goes on while the agent is away.
    await this.dhcpServers.close();
    await this.proxies.close();
    await this.advertisers.close();
    // Nothing runs from the run dir any more (no DHCP server, no router's proxy or radvd): it goes.
    if (this.dhcp.size === 0 && this.routers.size === 0) {
      await rm(this.options.runDir, { recursive: true, force: true });
      // The shared parent (/run/stratus) goes too when no other agent uses it.
      await rmdir(dirname(this.options.runDir)).catch(() => undefined);
    }
  }

  /**
   * Where a port's far end lives: a namespace interface for the network service's own
   * ports (a DHCP server, a router's interface or gateway), none for a VM's tap.
   */
  private namespaceEnd(port: PortWiring): { netns: string; ifname: string } | null {
    const prefix = this.options.namespacePrefix;
    if (isDhcpPort(port)) return { netns: dhcpNamespace(prefix, port.networkId), ifname: dhcpInterfaceName(port.portId) };
    if (port.deviceOwner === 'network:router_interface') return { netns: routerNamespace(prefix, port.deviceId), ifname: routerInterfaceName(port.portId) };
    if (port.deviceOwner === 'network:router_gateway') return { netns: routerNamespace(prefix, port.deviceId), ifname: gatewayInterfaceName(port.portId) };
    return null;
  }

  /**
   * The network's bridge and uplink, then the port's device on it. A port already
   * plugged with the same wiring costs nothing (notices repeat what the host has: a
   * DHCP server's port on every change of its network); a reconcile starts afresh.
   */
  private async wirePort(port: PortWiring): Promise<void> {
    const known = this.ports.get(port.portId);
    if (known && JSON.stringify(known.wiring) === JSON.stringify(port)) return;
    await this.wireNetwork(port);
    const bridge = bridgeName(port.networkId);
    const device = tapName(port.portId);
    const end = this.namespaceEnd(port);
    if (end) {
      await ensureNamespace(end.netns);
      await this.links.ensureVethInto(device, end.netns, end.ifname, port.macAddress);
    } else {
      // A VM's tap: QEMU opens it by name; a test's veth is made before the port is bound.
      await this.links.ensureTap(device);
    }
    await this.links.attach(device, bridge, port.mtu);
    if (!port.adminStateUp) await this.runIp(['link', 'set', 'dev', device, 'down']);
    const index = this.ports.get(port.portId)?.index ?? this.freeIndex();
    this.ports.set(port.portId, { wiring: port, device, index });
  }

  private async wireNetwork(port: PortWiring): Promise<void> {
    const bridge = bridgeName(port.networkId);
    const known = this.networks.get(port.networkId);
    this.networks.set(port.networkId, port);
    // Wired already with the same segment and MTU: nothing to check again.
    if (known && known.mtu === port.mtu && JSON.stringify(known.segment) === JSON.stringify(port.segment)) return;
    this.zones.zoneOf(port.networkId);
    await this.links.ensureBridge(bridge, port.mtu);
    const { networkType, physicalNetwork, segmentationId } = port.segment;
    if (networkType === 'vxlan' && segmentationId !== null && this.options.tunnelingIp) {
      const vx = vxlanName(segmentationId);
      await this.links.ensureVxlan(vx, segmentationId, this.options.tunnelingIp, port.mtu, bridge);
      await this.links.setFloodPeers(vx, this.peers);
      return;
    }
    const physical = physicalNetwork ? this.options.physicalInterfaces.get(physicalNetwork) : undefined;
    if (!physical) return;
    if (networkType === 'vlan' && segmentationId !== null) await this.links.ensureVlan(vlanName(segmentationId, port.networkId), physical, segmentationId, port.mtu, bridge);
    else if (networkType === 'flat') await this.links.attach(physical, bridge, port.mtu);
  }

  /** A network with no port (router ports included) and no DHCP server here loses its bridge and uplink (a mapped physical device is only let go). */
  private async dropNetworkIfUnused(networkId: string): Promise<void> {
    if ([...this.ports.values()].some((p) => p.wiring.networkId === networkId) || this.dhcp.has(networkId)) return;
    const wiring = this.networks.get(networkId);
    this.networks.delete(networkId);
    if (wiring) await this.removeUplink(wiring);
    await this.links.remove(bridgeName(networkId));
  }

  private async removeUplink(wiring: PortWiring): Promise<void> {
    const { networkType, physicalNetwork, segmentationId } = wiring.segment;
    if (networkType === 'vxlan' && segmentationId !== null) await this.links.remove(vxlanName(segmentationId));
    if (networkType === 'vlan' && segmentationId !== null) await this.links.remove(vlanName(segmentationId, wiring.networkId));
    const physical = physicalNetwork ? this.options.physicalInterfaces.get(physicalNetwork) : undefined;
    if (networkType === 'flat' && physical) await this.runIp(['link', 'set', 'dev', physical, 'nomaster']);
  }

  /**
   * What a crash or missed notices left behind: bridges and uplinks this agent made (by
   * their owner tag) that no network here needs, port devices on its bridges no port
   * here owns, DHCP and router namespaces (by the agent's prefix) and their servers
   * that this host no longer runs.
   */
  private async removeUnwanted(): Promise<void> {
    const wantedBridges = new Set([...this.networks.keys()].map(bridgeName));
    const wantedDevices = new Set([...this.ports.values()].map((p) => p.device));
    for (const w of this.networks.values()) {
      const { networkType, segmentationId } = w.segment;
      if (segmentationId === null) continue;
      if (networkType === 'vxlan') wantedDevices.add(vxlanName(segmentationId));
      if (networkType === 'vlan') wantedDevices.add(vlanName(segmentationId, w.networkId));
    }
    const physical = new Set(this.options.physicalInterfaces.values());
    const links = await this.links.list();
    const owner = this.links.owner;
    const ourBridges = new Set(links.filter((l) => l.owner === owner && l.ifname.startsWith(BRIDGE_PREFIX)).map((l) => l.ifname));
    // Port devices on our bridges that no port here owns: our taps and veths, and a guest's veth left behind.
    for (const l of links) {
      if (l.master && ourBridges.has(l.master) && !wantedDevices.has(l.ifname) && !physical.has(l.ifname)) {
        if (l.kind === 'tun' || l.kind === 'veth') await this.links.remove(l.ifname);
      }
    }
    for (const l of links) {
      const ours = l.owner === owner && (l.ifname.startsWith(BRIDGE_PREFIX) || l.ifname.startsWith(VXLAN_PREFIX) || l.ifname.startsWith(VLAN_PREFIX));
      if (ours && !wantedBridges.has(l.ifname) && !wantedDevices.has(l.ifname)) await this.links.remove(l.ifname);
    }
    const dhcpPrefix = dhcpNamespace(this.options.namespacePrefix, '');
    const routerPrefix = routerNamespace(this.options.namespacePrefix, '');
    for (const ns of await listNamespaces()) {
      if (ns.startsWith(dhcpPrefix) && !this.dhcp.has(ns.slice(dhcpPrefix.length))) await removeNamespace(ns);
      if (ns.startsWith(routerPrefix) && !this.routers.has(ns.slice(routerPrefix.length))) await removeNamespace(ns);
    }
    await this.dhcpServers.removeAllExcept([...this.dhcp.keys()]);
    await this.advertisers.removeAllExcept([...this.routers.keys()]);
    await this.proxies.removeAllExcept([
      ...[...this.dhcp.keys()].map((id) => dhcpNamespace(this.options.namespacePrefix, id)),
      ...[...this.routers.keys()].map((id) => routerNamespace(this.options.namespacePrefix, id)),
    ]);
  }

  /** External networks with a router gateway here: their bridges carry the host's address. */
  private externalNetworks(): Map<string, RouterPort> {
    const out = new Map<string, RouterPort>();
    for (const r of this.routers.values()) if (r.gateway) out.set(r.gateway.port.networkId, r.gateway);
    return out;
  }

  /** The host side of each external bridge: the external subnets' gateway addresses. */
  private async setExternalAddresses(): Promise<void> {
    for (const [networkId, gw] of this.externalNetworks()) {
      const cidrs = gw.subnets.filter((s) => s.gatewayIp !== null).map((s) => `${s.gatewayIp!}/${s.cidr.split('/')[1]}`);
      await setAddresses(this.options.hostNamespace, bridgeName(networkId), cidrs);
    }
  }

  /**
   * Runs `work` (many DHCP servers or routers: a reconcile, a burst of notices) with the
   * filters applied once at the end instead of after every step.
   */
  private async filtersOnceAfter(work: () => Promise<void>): Promise<void> {
    this.filtersHeld++;
    try {
      await work();
    } finally {
      this.filtersHeld--;
    }
    await this.applyFilters();
  }

  /** The filters as one ruleset for everything plugged here; none at all (no tables) when nothing is. */
  private async applyFilters(): Promise<void> {
    // Held for a batch; or the agent is stopping and knows only part of the host: the
    // kernel keeps the last complete ruleset rather than one that leaves ports unfiltered.
    if (this.filtersHeld > 0 || this.interrupted) return;
    const guard = externalGuardScript(filterTables(this.options.namespacePrefix).external, [...this.externalNetworks().keys()].map(bridgeName));
    const filters = this.ports.size === 0 && this.networks.size === 0 ? removeFirewallScript(this.options.namespacePrefix) : firewallScript({
      prefix: this.options.namespacePrefix,
      ports: [...this.ports.values()],
      groups: this.groups,
      bridges: [...this.networks.keys()].map((id) => ({ name: bridgeName(id), zone: this.zones.zoneOf(id) })),
    });
    // The same rules as last time: the kernel has them already (a reconcile starts afresh).
    const script = `${guard}${filters}`;
    if (script === this.appliedFilters) return;
    this.appliedFilters = null;
    await applyFirewall(script, this.options.hostNamespace);
    this.appliedFilters = script;
  }

  /** Deletes conntrack entries of a group's ports in the direction a removed rule allowed. */
  private async forgetConnections(groupId: string, end: 'source' | 'destination'): Promise<void> {
    for (const p of this.ports.values()) {
      if (!p.wiring.securityGroupIds.includes(groupId)) continue;
      const zone = this.zones.zoneOf(p.wiring.networkId);
      for (const f of p.wiring.fixedIps) {
        const family = f.ipAddress.includes(':') ? 'ipv6' : 'ipv4';
        // conntrack exits 1 when nothing matched: nothing to forget is fine.
        await runCommand('conntrack', ['-D', '-f', family, '-w', String(zone), end === 'source' ? '-s' : '-d', f.ipAddress], this.netnsOpt()).catch(() => undefined);
      }
    }
  }

  private freeIndex(): number {
    const used = new Set([...this.ports.values()].map((p) => p.index));
    let i = 1;
    while (used.has(i)) i++;
    return i;
  }

  private netnsOpt(): { netns?: string } {
    return this.options.hostNamespace ? { netns: this.options.hostNamespace } : {};
  }

  private runIp(args: string[]): Promise<string> {
    return runCommand('ip', [...(this.options.hostNamespace ? ['-n', this.options.hostNamespace] : []), ...args]);
  }
}

