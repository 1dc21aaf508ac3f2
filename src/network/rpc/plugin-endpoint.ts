import type { JsonObject, MessageBus, Subscription } from '../../core/bus/index.js';
import { liveAgentWithRole, recordHeartbeat } from '../domain/agents.js';
import { reportPortStatus } from '../domain/port-status.js';
import { routerWirings } from '../domain/router-wiring.js';
import { addressOwner } from '../domain/address-owner.js';
import { dhcpNetworks, ensureDhcpPort, releaseDhcpPort } from '../domain/dhcp.js';
import { groupFilters, hostState } from '../domain/wiring.js';
import type { NetworkService } from '../service.js';
import { PLUGIN_TOPIC, type AgentState } from './contract.js';

const text = (args: JsonObject, key: string): string => {
  const v = args[key];
  if (typeof v !== 'string' || v === '') throw new TypeError(`${key} must be a non-empty string`);
  return v;
};

function agentState(args: JsonObject): AgentState {
  const a = args['agent'] as Record<string, unknown> | null | undefined;
  if (!a || typeof a !== 'object') throw new TypeError('agent must be an object');
  const configurations = a['configurations'];
  return {
    agent_type: text(a as JsonObject, 'agent_type'), binary: text(a as JsonObject, 'binary'), topic: text(a as JsonObject, 'topic'),
    host: text(a as JsonObject, 'host'), availability_zone: typeof a['availability_zone'] === 'string' ? a['availability_zone'] : null,
    configurations: configurations && typeof configurations === 'object' ? configurations as Record<string, unknown> : {},
    start_flag: a['start_flag'] === true,
  };
}

/**
 * The service's side of the agent protocol (Neutron's plugin RPC): heartbeats, the
 * desired state of a host, group filters, and port status reports. Arguments come
 * from another process and are checked before use.
 */
export function servePluginEndpoint(bus: MessageBus, svc: NetworkService): Promise<Subscription> {
  svc.notifier.resolveGroupsWith((ids) => groupFilters(svc, ids));
  // Nothing is read for roles no live agent has (a cloud on the noop dataplane has none).
  svc.notifier.resolveDhcpWith(async (ids) => (await liveAgentWithRole(svc, 'dhcp') ? dhcpNetworks(svc, ids) : null));
  svc.notifier.resolveRoutersWith(async (ids) => (await liveAgentWithRole(svc, 'l3') ? routerWirings(svc, ids) : null));
  return bus.serve({ topic: PLUGIN_TOPIC }, {
    report_state: async (args) => {
      const agent = agentState(args);
      await recordHeartbeat(svc, agent);
      // A (re)started agent may bring a new VXLAN endpoint: the others flood to it too.
      const tunnelIp = agent.configurations['tunneling_ip'];
      if (agent.start_flag && typeof tunnelIp === 'string' && tunnelIp !== '') svc.notifier.tunnelUpdated({ tunnel_ip: tunnelIp, host: agent.host });
      return null;
    },
    get_host_state: async (args) => hostState(svc, text(args, 'host'), { dhcp: args['dhcp'] === true, l3: args['l3'] === true }),
    get_dhcp_port: async (args) => ensureDhcpPort(svc, text(args, 'network_id'), text(args, 'host')) as never,
    release_dhcp_port: async (args) => {
      await releaseDhcpPort(svc, text(args, 'network_id'), text(args, 'host'));
      return null;
    },
    get_group_filters: async (args) => {
      const ids = args['group_ids'];
      if (!Array.isArray(ids) || ids.some((i) => typeof i !== 'string')) throw new TypeError('group_ids must be a list of strings');
      return groupFilters(svc, ids as string[]);
    },
    update_port_status: async (args) => {
      const status = args['status'];
      if (status !== 'ACTIVE' && status !== 'DOWN') throw new TypeError('status must be ACTIVE or DOWN');
      await reportPortStatus(svc, text(args, 'port_id'), text(args, 'host'), status);
      return null;
    },
    get_address_owner: async (args) => {
      const networkId = args['network_id'] == null ? undefined : text(args, 'network_id');
      const routerId = args['router_id'] == null ? undefined : text(args, 'router_id');
      if (!networkId && !routerId) throw new TypeError('network_id or router_id is required');
      const owner = await addressOwner(svc, { ...(networkId ? { networkId } : {}), ...(routerId ? { routerId } : {}), ip: text(args, 'ip') });
      return owner && { instance_id: owner.instanceId, project_id: owner.projectId };
    },
  });
}
