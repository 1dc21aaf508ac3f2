import type { MessageBus } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import { AGENT_TOPIC, type AgentMethods } from './contract.js';
import type { GroupFilter } from '../dataplane/driver.js';

/**
 * The service's side of telling agents what changed (Neutron's AgentNotifierApi).
 * Casts are fire-and-forget: an agent that misses one catches up when it reconciles
 * on start, so a lost notice never leaves a host wrong for longer than a restart.
 * Without a bus (db sync, unit tests of the API alone) notices go nowhere.
 */
export class AgentNotifier {
  private bus: MessageBus | null = null;
  /** Groups changed since the last notice, sent together (see groupsUpdated). */
  private readonly pendingGroups = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;

  /** `groupDelayMs`: how long group changes gather before one notice goes out. */
  constructor(private readonly log: Logger, private readonly groupDelayMs = 100) {}

  connect(bus: MessageBus): void {
    this.bus = bus;
  }

  private resolveGroups: ((ids: string[]) => Promise<GroupFilter[]>) | null = null;

  /** How a group notice gets the groups' current filters, read once for every agent (set by the plugin endpoint, which has the database). */
  resolveGroupsWith(resolve: (ids: string[]) => Promise<GroupFilter[]>): void {
    this.resolveGroups = resolve;
  }

  portUpdated(host: string, args: AgentMethods['port_update']): void {
    this.send((bus) => bus.cast({ topic: AGENT_TOPIC, server: host }, 'port_update', args as never), 'port_update');
  }

  portDeleted(host: string, args: AgentMethods['port_delete']): void {
    this.send((bus) => bus.cast({ topic: AGENT_TOPIC, server: host }, 'port_delete', args as never), 'port_delete');
  }

  /**
   * Every agent refreshes the filters of these groups (rules or members changed).
   * Changes gather for groupDelayMs and go out as one notice: a burst of port creates
   * in one group costs agents one refresh, not one per port, and a rule still reaches
   * live traffic well within a second.
   */
  groupsUpdated(groupIds: string[]): void {
    if (!this.bus || groupIds.length === 0) return;
    for (const id of groupIds) this.pendingGroups.add(id);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flushGroups(), this.groupDelayMs);
    this.flushTimer.unref();
  }

  /** Drops what is pending: the bus is going away (agents reconcile when they start again). */
  close(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.pendingGroups.clear();
    this.bus = null;
  }

  /** Sends what is pending now. */
  flushGroups(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.pendingGroups.size === 0) return;
    const ids = [...this.pendingGroups];
    this.pendingGroups.clear();
    // Read after the gathering delay, so the filters include every change the notice is for.
    const resolve = this.resolveGroups;
    this.send(async (bus) => {
      const groups = resolve ? await resolve(ids).catch((err: unknown) => { this.log.warn({ err }, 'group filters not read; agents will ask'); return undefined; }) : undefined;
      await bus.fanout(AGENT_TOPIC, 'security_groups_updated', { group_ids: ids, ...(groups ? { groups: groups as never } : {}) });
    }, 'security_groups_updated');
  }

  private send(how: (bus: MessageBus) => Promise<void>, method: string): void {
    if (!this.bus) return;
    how(this.bus).catch((err: unknown) => this.log.warn({ err, method }, 'agent notification not sent'));
  }
}
