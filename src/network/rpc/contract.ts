import type { DhcpNetwork, GroupFilter, HostState, PortWiring, RouterWiring } from '../dataplane/driver.js';

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
  /** `dhcp`, `l3`: the asking agent's roles (its state then lists the networks needing a DHCP server, the routers to run). */
  get_host_state: { args: { host: string; dhcp: boolean; l3: boolean }; result: HostState };
  /** The asking host's DHCP port on a network, made or updated; null when the network needs no DHCP server. */
  get_dhcp_port: { args: { network_id: string; host: string }; result: PortWiring | null };
  /** The host stopped serving DHCP on a network: its DHCP port goes. */
  release_dhcp_port: { args: { network_id: string; host: string }; result: null };
  get_group_filters: { args: { group_ids: string[] }; result: GroupFilter[] };
  update_port_status: { args: { port_id: string; status: 'ACTIVE' | 'DOWN'; host: string }; result: null };
  /** The instance holding fixed IP `ip` on the network, or behind the router (metadata requests); null when none. */
  get_address_owner: { args: { network_id?: string; router_id?: string; ip: string }; result: { instance_id: string; project_id: string } | null };
}

/** agent methods. */
export interface AgentMethods {
  port_update: { port: PortWiring; groups: GroupFilter[] };
  port_delete: { port_id: string; network_id: string };
  /** `groups`: the groups' filters as they are now, so a hundred agents do not each ask for them (absent when they could not be read). */
  security_groups_updated: { group_ids: string[]; groups?: GroupFilter[] };
  /** Networks whose DHCP servers must follow (DHCP agents act, others ignore it); no subnets: stop serving. */
  dhcp_networks_updated: { networks: DhcpNetwork[] };
  /** Routers to run as they are now, and routers to remove (L3 agents act, others ignore it). */
  routers_updated: { routers: RouterWiring[]; removed: string[] };
  /** A host's VXLAN endpoint (Neutron's tunnel_update): flood to it too. */
  tunnel_update: { tunnel_ip: string; host: string };
}

/** What an agent reports in its configurations (Neutron's keys where they exist). */
export interface AgentConfigurations {
  dataplane: string;
  /** This agent runs DHCP servers (Neutron's DHCP agent role). */
  dhcp: boolean;
  /** This agent runs routers (Neutron's L3 agent role). */
  l3: boolean;
  /** VXLAN endpoint of the host, when tunnels are configured (Neutron's tunneling_ip). */
  tunneling_ip?: string;
  tunnel_types: string[];
}

/** The agent type a Stratus network agent registers as (shown by `openstack network agent list`). */
export const NETWORK_AGENT_TYPE = 'Linux bridge agent';
export const NETWORK_AGENT_BINARY = 'stratus-network-agent';
