import { textArg as text, type JsonObject, type MessageBus, type Subscription } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import type { DhcpNetwork, DhcpServer, GroupFilter, HostDataplane, HostState, PortWiring, RouterWiring } from '../dataplane/driver.js';
import { AGENT_TOPIC, NETWORK_AGENT_BINARY, NETWORK_AGENT_TYPE, PLUGIN_TOPIC, type AgentConfigurations, type AgentState } from '../rpc/contract.js';


/**
 * A port notice as the service sent it, checked for what the dataplane relies on: the
 * service may run another version, and a malformed notice must fail here, not halfway
 * through wiring a host.
 */
function portWiringOf(v: unknown): PortWiring {
  const p = v as Partial<PortWiring> | null;
  if (!p || typeof p !== 'object') throw new TypeError('port must be an object');
  for (const key of ['portId', 'networkId', 'host', 'macAddress'] as const) text(p[key], key);
  if (!Array.isArray(p.fixedIps) || !Array.isArray(p.securityGroupIds) || !Array.isArray(p.allowedAddressPairs) || typeof p.segment !== 'object') {
    throw new TypeError('port is missing its addresses, groups or segment');
  }
  return p as PortWiring;
}

function groupsOf(v: unknown): GroupFilter[] {
  if (!Array.isArray(v) || v.some((g) => typeof (g as GroupFilter | null)?.id !== 'string' || !Array.isArray((g as GroupFilter).rules))) {
    throw new TypeError('groups must be a list of group filters');
  }
  return v as GroupFilter[];
}

function routersOf(v: unknown): RouterWiring[] {
  if (!Array.isArray(v) || v.some((r) => typeof (r as RouterWiring | null)?.routerId !== 'string' || !Array.isArray((r as RouterWiring).interfaces))) {
    throw new TypeError('routers must be a list of router wirings');
  }
  return v as RouterWiring[];
}

function dhcpNetworksOf(v: unknown): DhcpNetwork[] {
  if (!Array.isArray(v) || v.some((n) => typeof (n as DhcpNetwork | null)?.networkId !== 'string' || !Array.isArray((n as DhcpNetwork).subnets) || !Array.isArray((n as DhcpNetwork).hosts))) {
    throw new TypeError('networks must be a list of DHCP networks');
  }
  return v as DhcpNetwork[];
}

/** A port to plug (with the groups its filters need) or to unplug. */
type PortChange = { port: PortWiring; groups: GroupFilter[] } | { portId: string; networkId: string };

export interface NetworkAgentOptions {
  host: string;
  availabilityZone: string | null;
  /** Seconds between heartbeats ([network] report_interval). */
  reportInterval: number;
  /** Runs the DHCP servers of the networks (Neutron's DHCP agent role). */
  dhcp?: boolean;
  /** Runs the routers (Neutron's L3 agent role). */
  l3?: boolean;
  /** This host's VXLAN endpoint ([vxlan] local_ip); without it VXLAN networks stay on the host. */
  tunnelingIp?: string;
}

/**
 * The network agent of one host (Neutron's L2 agent): it reports heartbeats, takes
 * port and group notices from the service, drives its HostDataplane and reports ports
 * ACTIVE once plugged. On start it reconciles the host to the service's full desired
 * state instead of replaying what it missed.
 */
export class NetworkAgent {
  private subscription: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  /** One host change at a time: notices arrive in order and are applied in order. */
  private queue: Promise<void> = Promise.resolve();
  private tunnelPeers = new Set<string>();
  private stopping = false;
  /** Port changes not applied yet, the latest per port: a burst is applied as one batch (see portChanged). */
  private readonly pendingPorts = new Map<string, PortChange>();

  constructor(
    private readonly bus: MessageBus,
    private readonly dataplane: HostDataplane,
    private readonly options: NetworkAgentOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscription = await this.bus.serve({ topic: AGENT_TOPIC, server: this.options.host }, {
      port_update: async (args) => this.portChanged({ port: portWiringOf(args['port']), groups: groupsOf(args['groups']) }),
      port_delete: async (args) => this.portChanged({ portId: text(args['port_id'], 'port_id'), networkId: text(args['network_id'], 'network_id') }),
      security_groups_updated: async (args) => this.enqueue(() => this.refreshGroups(args['group_ids'], args['groups'])),
      dhcp_networks_updated: async (args) => (this.options.dhcp ? this.enqueue(() => this.serveDhcp(dhcpNetworksOf(args['networks']))) : null),
      routers_updated: async (args) => (this.options.l3 ? this.enqueue(() => this.runRouters(routersOf(args['routers']), args['removed'])) : null),
      tunnel_update: async (args) => this.enqueue(() => this.addTunnelPeer(text(args['tunnel_ip'], 'tunnel_ip'))),
    });
    await this.report();
    await this.enqueue(() => this.reconcile());
    this.timer = setInterval(() => { void this.report(); }, this.options.reportInterval * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.subscription?.close();
    this.subscription = null;
    // Changes still queued are dropped, not applied: the next start reconciles the host
    // to the service's state anyway, and a busy host then stops in moments, not minutes.
    this.stopping = true;
    this.pendingPorts.clear();
    this.dataplane.interrupt?.();
    await this.queue;
    await this.dataplane.close();
  }

  private enqueue(work: () => Promise<void>): Promise<null> {
    const unlessStopping = (): Promise<void> => (this.stopping ? Promise.resolve() : work());
    const next = this.queue.then(unlessStopping, unlessStopping);
    this.queue = next.catch((err: unknown) => this.log.error({ err }, 'network agent: host change failed'));
    return next.then(() => null);
  }

  private async report(): Promise<void> {
    const agent: AgentState = {
      agent_type: NETWORK_AGENT_TYPE, binary: NETWORK_AGENT_BINARY, topic: AGENT_TOPIC, host: this.options.host,
      availability_zone: this.options.availabilityZone, configurations: this.configurations() as unknown as Record<string, unknown>, start_flag: !this.started,
    };
    try {
      await this.bus.call({ topic: PLUGIN_TOPIC }, 'report_state', { agent: agent as unknown as JsonObject });
      this.started = true;
    } catch (err) {
      this.log.warn({ err }, 'network agent: heartbeat not sent');
    }
  }

  private configurations(): AgentConfigurations {
    const tunnels = this.options.tunnelingIp ? { tunneling_ip: this.options.tunnelingIp, tunnel_types: ['vxlan'] } : { tunnel_types: [] };
    return { dataplane: this.dataplane.kind, dhcp: this.options.dhcp === true, l3: this.options.l3 === true, ...tunnels };
  }

  /**
   * Port notices gather while the host is busy and are applied together: fifty ports
   * created at once cost the host one filter update, not fifty. The latest notice of a
   * port wins; the batch keeps its place in the queue among other host changes.
   */
  private portChanged(change: PortChange): Promise<null> {
    const id = 'port' in change ? change.port.portId : change.portId;
    const first = this.pendingPorts.size === 0;
    this.pendingPorts.delete(id);
    this.pendingPorts.set(id, change);
    return first ? this.enqueue(() => this.applyPortChanges()) : Promise.resolve(null);
  }

  private async applyPortChanges(): Promise<void> {
    const changes = [...this.pendingPorts.values()];
    this.pendingPorts.clear();
    const unplugs = changes.filter((c): c is { portId: string; networkId: string } => 'portId' in c);
    const plugs = changes.filter((c): c is { port: PortWiring; groups: GroupFilter[] } => 'port' in c);
    if (unplugs.length > 0) await this.dataplane.unplugPorts(unplugs);
    if (plugs.length === 0) return;
    const groups = new Map(plugs.flatMap((p) => p.groups).map((g) => [g.id, g]));
    const plugged = new Set(await this.dataplane.plugPorts(plugs.map((p) => p.port), [...groups.values()]));
    for (const { port } of plugs) if (plugged.has(port.portId)) await this.setStatus(port.portId, port.adminStateUp ? 'ACTIVE' : 'DOWN');
  }

  private async setStatus(portId: string, status: 'ACTIVE' | 'DOWN'): Promise<void> {
    await this.bus.call({ topic: PLUGIN_TOPIC }, 'update_port_status', { port_id: portId, status, host: this.options.host });
  }

  /** New filters for changed groups: from the notice when it carries them, else asked for. */
  private async refreshGroups(ids: unknown, sent: unknown): Promise<void> {
    if (!Array.isArray(ids)) return;
    const groups = Array.isArray(sent) ? sent as GroupFilter[] : await this.bus.call<GroupFilter[]>({ topic: PLUGIN_TOPIC }, 'get_group_filters', { group_ids: ids });
    await this.dataplane.updateGroups(groups);
  }

  /** Makes the host match the service's desired state and reports every port's status. */
  private async reconcile(): Promise<void> {
    const started = Date.now();
    const state = await this.bus.call<HostState>({ topic: PLUGIN_TOPIC }, 'get_host_state', { host: this.options.host, dhcp: this.options.dhcp === true, l3: this.options.l3 === true });
    this.tunnelPeers = new Set(state.tunnelPeers.filter((ip) => ip !== this.options.tunnelingIp));
    const servers: DhcpServer[] = [];
    for (const network of state.dhcpNetworks) {
      const port = await this.dhcpPort(network.networkId);
      if (port) servers.push({ ...network, port });
    }
    await this.dataplane.reconcile({ ...state, tunnelPeers: [...this.tunnelPeers] }, servers);
    const ports = new Map([...state.ports, ...servers.map((s) => s.port)].map((p) => [p.portId, p]));
    for (const p of ports.values()) await this.setStatus(p.portId, p.adminStateUp ? 'ACTIVE' : 'DOWN');
    this.log.info({ host: this.options.host, ports: ports.size, dhcpServers: servers.length, routers: state.routers.length, ms: Date.now() - started }, 'network agent: host reconciled');
  }

  private dhcpPort(networkId: string): Promise<PortWiring | null> {
    return this.bus.call<PortWiring | null>({ topic: PLUGIN_TOPIC }, 'get_dhcp_port', { network_id: networkId, host: this.options.host });
  }

  /** DHCP servers follow their networks: started or reloaded while a network has DHCP subnets, stopped when not. */
  private async serveDhcp(networks: DhcpNetwork[]): Promise<void> {
    const servers: DhcpServer[] = [];
    for (const network of networks) {
      const port = network.subnets.length > 0 ? await this.dhcpPort(network.networkId) : null;
      if (port) {
        servers.push({ ...network, port });
        continue;
      }
      await this.dataplane.removeDhcp(network.networkId);
      if (network.subnets.length === 0) await this.bus.call({ topic: PLUGIN_TOPIC }, 'release_dhcp_port', { network_id: network.networkId, host: this.options.host });
    }
    if (servers.length === 0) return;
    await this.dataplane.syncDhcpServers(servers);
    for (const s of servers) await this.setStatus(s.port.portId, 'ACTIVE');
  }

  private async runRouters(routers: RouterWiring[], removed: unknown): Promise<void> {
    if (routers.length > 0) await this.dataplane.syncRouters(routers);
    if (Array.isArray(removed)) for (const id of removed) if (typeof id === 'string') await this.dataplane.removeRouter(id);
  }

  private async addTunnelPeer(ip: string): Promise<void> {
    if (ip === this.options.tunnelingIp || this.tunnelPeers.has(ip)) return;
    this.tunnelPeers.add(ip);
    await this.dataplane.updateTunnelPeers([...this.tunnelPeers]);
  }
}
