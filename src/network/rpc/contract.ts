import type { GroupFilter, HostState, PortWiring } from '../dataplane/driver.js';

/**
 * The bus protocol between the network service and its agents (Neutron's q-plugin and
 * q-agent-notifier topics). Agents hold no database: they learn desired state here and
 * report back here, so they can run on hosts that cannot reach the database.
 */

/** The service listens here: agents report and ask. */
export const PLUGIN_TOPIC = 'q-plugin';
/** Agents listen here, each as the server named by its host. */
export const AGENT_TOPIC = 'q-agent-notifier';

/** What an agent says about itself in report_state (Neutron's agent_state). */
export interface AgentState {
  agent_type: string;
  binary: string;
  topic: string;
  host: string;
  availability_zone: string | null;
  configurations: Record<string, unknown>;
  /** True on the first report after the agent started. */
  start_flag: boolean;
}

/** plugin methods, with their argument and result types. */
export interface PluginMethods {
  report_state: { args: { agent: AgentState }; result: null };
  get_host_state: { args: { host: string }; result: HostState };
  get_group_filters: { args: { group_ids: string[] }; result: GroupFilter[] };
  update_port_status: { args: { port_id: string; status: 'ACTIVE' | 'DOWN'; host: string }; result: null };
}

/** agent methods. */
export interface AgentMethods {
  port_update: { port: PortWiring; groups: GroupFilter[] };
  port_delete: { port_id: string; network_id: string };
  /** `groups`: the groups' filters as they are now, so a hundred agents do not each ask for them (absent when they could not be read). */
  security_groups_updated: { group_ids: string[]; groups?: GroupFilter[] };
}

/** The agent type a Stratus network agent registers as (shown by `openstack network agent list`). */
export const NETWORK_AGENT_TYPE = 'Linux bridge agent';
export const NETWORK_AGENT_BINARY = 'stratus-network-agent';
