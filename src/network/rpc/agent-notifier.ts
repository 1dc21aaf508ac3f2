import type { JsonObject, MessageBus } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import { AGENT_TOPIC, type AgentMethods } from './contract.js';
import type { DhcpNetwork, GroupFilter, RouterWiring } from '../dataplane/driver.js';

/**
 * Ids that gather for a short delay and are then sent in one notice: a burst of port
 * creates costs agents one refresh, not one per port, and still reaches them well
 * within a second.
 */
class Gathered {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly delayMs: number, private readonly send: (ids: string[]) => void) {}

  add(ids: readonly string[]): void {
    for (const id of ids) this.pending.add(id);
    if (this.timer || this.pending.size === 0) return;
    this.timer = setTimeout(() => this.flush(), this.delayMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const ids = [...this.pending];
    this.pending.clear();
    this.send(ids);
  }

  drop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }
}

/**
 * The service's side of telling agents what changed (Neutron's AgentNotifierApi).
 * Casts are fire-and-forget: an agent that misses one catches up when it reconciles
 * on start, so a lost notice never leaves a host wrong for longer than a restart.
 * Without a bus (db sync, unit tests of the API alone) notices go nowhere.
 */
export class AgentNotifier {
  private bus: MessageBus | null = null;
  private readonly groups: Gathered;
  private readonly dhcp: Gathered;
  private readonly routers: Gathered;
  private resolveGroups: ((ids: string[]) => Promise<GroupFilter[]>) | null = null;
  private resolveDhcp: ((networkIds: string[]) => Promise<DhcpNetwork[] | null>) | null = null;
  private resolveRouters: ((routerIds: string[]) => Promise<RouterWiring[] | null>) | null = null;

  /** `gatherDelayMs`: how long group and DHCP changes gather before one notice goes out. */
  constructor(private readonly log: Logger, gatherDelayMs = 100) {
    this.groups = new Gathered(gatherDelayMs, (ids) => this.sendGroups(ids));
    this.dhcp = new Gathered(gatherDelayMs, (ids) => this.sendDhcp(ids));
    this.routers = new Gathered(gatherDelayMs, (ids) => this.sendRouters(ids));
  }

  connect(bus: MessageBus): void {
    this.bus = bus;
  }

  /**
   * How notices read what they carry, once for every agent (set by the plugin endpoint,
   * which has the database): groups' current filters, networks' DHCP state.
   */
  resolveGroupsWith(resolve: (ids: string[]) => Promise<GroupFilter[]>): void {
    this.resolveGroups = resolve;
  }

  /** (A resolver answers null when no agent has the role: the notice is not sent at all.) */
  resolveDhcpWith(resolve: (networkIds: string[]) => Promise<DhcpNetwork[] | null>): void {
    this.resolveDhcp = resolve;
  }

  resolveRoutersWith(resolve: (routerIds: string[]) => Promise<RouterWiring[] | null>): void {
    this.resolveRouters = resolve;
  }

  portUpdated(host: string, args: AgentMethods['port_update']): void {
    this.send((bus) => bus.cast({ topic: AGENT_TOPIC, server: host }, 'port_update', args as never), 'port_update');
  }

  portDeleted(host: string, args: AgentMethods['port_delete']): void {
    this.send((bus) => bus.cast({ topic: AGENT_TOPIC, server: host }, 'port_delete', args as never), 'port_delete');
  }

  /** Every agent refreshes the filters of these groups (rules or members changed). */
  groupsUpdated(groupIds: string[]): void {
    if (this.bus) this.groups.add(groupIds);
  }

  /** DHCP agents bring these networks' servers in line (ports, subnets or the network changed). */
  dhcpNetworksChanged(networkIds: string[]): void {
    if (this.bus) this.dhcp.add(networkIds);
  }

  /** L3 agents bring these routers in line (interfaces, gateway, routes or floating IPs changed, or the router went). */
  routersChanged(routerIds: ReadonlyArray<string | null | undefined>): void {
    if (this.bus) this.routers.add(routerIds.filter((id): id is string => typeof id === 'string' && id !== ''));
  }

  /** A host's VXLAN endpoint appeared or moved: every other agent floods to it too. */
  tunnelUpdated(args: AgentMethods['tunnel_update']): void {
    this.send((bus) => bus.fanout(AGENT_TOPIC, 'tunnel_update', args as never), 'tunnel_update');
  }

  /** Drops what is pending: the bus is going away (agents reconcile when they start again). */
  close(): void {
    this.groups.drop();
    this.dhcp.drop();
    this.routers.drop();
    this.bus = null;
  }

  /** Sends what is pending now. */
  flushGroups(): void {
    this.groups.flush();
  }

  flushDhcp(): void {
    this.dhcp.flush();
  }

  flushRouters(): void {
    this.routers.flush();
  }

  private sendGroups(ids: string[]): void {
    // Read after the gathering delay, so the filters include every change the notice is for.
    const resolve = this.resolveGroups;
    this.send(async (bus) => {
      const groups = resolve ? await resolve(ids).catch((err: unknown) => { this.log.warn({ err }, 'group filters not read; agents will ask'); return undefined; }) : undefined;
      await bus.fanout(AGENT_TOPIC, 'security_groups_updated', { group_ids: ids, ...(groups ? { groups: groups as never } : {}) });
    }, 'security_groups_updated');
  }

  private sendDhcp(networkIds: string[]): void {
    this.sendResolved('dhcp_networks_updated', this.resolveDhcp, networkIds, (networks) => ({ networks: networks as never }));
  }

  private sendRouters(routerIds: string[]): void {
    this.sendResolved('routers_updated', this.resolveRouters, routerIds, (routers) => ({
      routers: routers as never, removed: routerIds.filter((id) => !routers.some((r) => r.routerId === id)),
    }));
  }

  /** Reads what a notice carries (after the gathering delay) and fans it out; nothing when no agent has the role. */
  private sendResolved<T>(method: string, resolve: ((ids: string[]) => Promise<T[] | null>) | null, ids: string[], args: (items: T[]) => JsonObject): void {
    if (!resolve) return;
    this.send(async (bus) => {
      const items = await resolve(ids);
      if (items !== null) await bus.fanout(AGENT_TOPIC, method, args(items));
    }, method);
  }

  private send(how: (bus: MessageBus) => Promise<void>, method: string): void {
    if (!this.bus) return;
    how(this.bus).catch((err: unknown) => this.log.warn({ err, method }, 'agent notification not sent'));
  }
}
