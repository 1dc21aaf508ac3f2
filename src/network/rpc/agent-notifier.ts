import type { MessageBus } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import { AGENT_TOPIC, type AgentMethods } from './contract.js';

/**
 * The service's side of telling agents what changed (Neutron's AgentNotifierApi).
 * Casts are fire-and-forget: an agent that misses one catches up when it reconciles
 * on start, so a lost notice never leaves a host wrong for longer than a restart.
 * Without a bus (db sync, unit tests of the API alone) notices go nowhere.
 */
export class AgentNotifier {
  private bus: MessageBus | null = null;

  constructor(private readonly log: Logger) {}

  connect(bus: MessageBus): void {
    this.bus = bus;
  }

  portUpdated(host: string, args: AgentMethods['port_update']): void {
    this.send((bus) => bus.cast({ topic: AGENT_TOPIC, server: host }, 'port_update', args as never), 'port_update');
  }

  portDeleted(host: string, args: AgentMethods['port_delete']): void {
    this.send((bus) => bus.cast({ topic: AGENT_TOPIC, server: host }, 'port_delete', args as never), 'port_delete');
  }

  /** Every agent refreshes the filters of these groups (rules or members changed). */
  groupsUpdated(groupIds: string[]): void {
    if (groupIds.length === 0) return;
    this.send((bus) => bus.fanout(AGENT_TOPIC, 'security_groups_updated', { group_ids: [...new Set(groupIds)] }), 'security_groups_updated');
  }

  private send(how: (bus: MessageBus) => Promise<void>, method: string): void {
    if (!this.bus) return;
    how(this.bus).catch((err: unknown) => this.log.warn({ err, method }, 'agent notification not sent'));
  }
}
