import type { RequestContext } from '../../core/auth/index.js';
import { deleteAgentRow, getAgent, listAgents, updateAgentRow, upsertAgent } from '../db/agents.js';
import type { AgentRow } from '../db/schema.js';
import { checkBools, checkStrings, rejectUnknown, toBool, type Body } from './attributes.js';
import { notFound, type NeutronError } from '../errors.js';
import type { AgentState } from '../rpc/contract.js';
import type { NetworkService } from '../service.js';

const agentNotFound = (id: string): NeutronError => notFound('AgentNotFound', `Agent ${id} could not be found.`);

/** Neutron shows agent times as 'YYYY-MM-DD HH:MM:SS' (UTC, no zone). */
const agentTime = (iso: string): string => iso.slice(0, 19).replace('T', ' ');

export function isAlive(svc: NetworkService, row: AgentRow): boolean {
  return svc.clock.now().getTime() - new Date(row.heartbeat_timestamp).getTime() <= svc.settings.agentDownTime * 1000;
}

export function agentView(svc: NetworkService, row: AgentRow): Record<string, unknown> {
  return {
    id: row.id, agent_type: row.agent_type, binary: row.binary, topic: row.topic, host: row.host,
    admin_state_up: row.admin_state_up === 1, alive: isAlive(svc, row), availability_zone: row.availability_zone,
    configurations: JSON.parse(row.configurations) as unknown, description: row.description,
    created_at: agentTime(row.created_at), started_at: agentTime(row.started_at), heartbeat_timestamp: agentTime(row.heartbeat_timestamp),
    resources_synced: null,
  };
}

/** report_state from an agent: registers it on its first report, refreshes its heartbeat after. */
export async function recordHeartbeat(svc: NetworkService, state: AgentState): Promise<void> {
  const now = svc.clock.now().toISOString();
  await upsertAgent(svc.db, {
    id: svc.ids.uuid(), agent_type: state.agent_type, binary: state.binary, topic: state.topic, host: state.host,
    availability_zone: state.availability_zone, admin_state_up: 1, description: null, configurations: JSON.stringify(state.configurations),
    created_at: now, started_at: now, heartbeat_timestamp: now,
  }, state.start_flag);
}

/** Whether a live network agent serves `host` (a port bound elsewhere fails to bind, as in Neutron). */
export async function hostHasLiveAgent(svc: NetworkService, host: string): Promise<boolean> {
  return (await listAgents(svc.db)).some((a) => a.host === host && a.admin_state_up === 1 && isAlive(svc, a));
}

/** Whether a live agent reports a role (`dhcp`, `l3`) in its configurations. */
export async function liveAgentWithRole(svc: NetworkService, role: 'dhcp' | 'l3'): Promise<boolean> {
  return (await listAgents(svc.db)).some((a) => isAlive(svc, a) && (JSON.parse(a.configurations) as Record<string, unknown>)[role] === true);
}

/** Agents the caller may see: all for admins, none for others (Neutron filters rather than refuses). */
export async function visibleAgents(svc: NetworkService, ctx: RequestContext): Promise<AgentRow[]> {
  return svc.allowed(ctx, 'get_agent', {}) ? listAgents(svc.db) : [];
}

export async function visibleAgent(svc: NetworkService, ctx: RequestContext, id: string): Promise<AgentRow> {
  const row = svc.allowed(ctx, 'get_agent', {}) ? await getAgent(svc.db, id) : undefined;
  if (!row) throw agentNotFound(id);
  return row;
}

export async function updateAgent(svc: NetworkService, ctx: RequestContext, id: string, body: Body): Promise<AgentRow> {
  svc.authorize(ctx, 'update_agent', {});
  rejectUnknown(body, new Set(['admin_state_up', 'description']));
  checkStrings(body, { description: 255 });
  checkBools(body, ['admin_state_up']);
  const row = await visibleAgent(svc, ctx, id);
  const changes = {
    ...(body['admin_state_up'] !== undefined ? { admin_state_up: toBool(body['admin_state_up'], true) ? 1 : 0 } : {}),
    ...(body['description'] !== undefined ? { description: body['description'] as string | null } : {}),
  };
  await updateAgentRow(svc.db, id, changes);
  return { ...row, ...changes };
}

export async function deleteAgent(svc: NetworkService, ctx: RequestContext, id: string): Promise<void> {
  svc.authorize(ctx, 'delete_agent', {});
  if (!(await deleteAgentRow(svc.db, id))) throw agentNotFound(id);
}

/**
 * Availability zones are those the agents report; one agent serves networks and
 * routers alike here, so each zone is listed for both resources. Any caller may list them.
 */
export async function availabilityZones(svc: NetworkService, ctx: RequestContext): Promise<Array<{ name: string; resource: string; state: string }>> {
  svc.authorize(ctx, 'get_availability_zone', {});
  const zones = new Map<string, boolean>();
  for (const a of await listAgents(svc.db)) {
    if (a.availability_zone) zones.set(a.availability_zone, (zones.get(a.availability_zone) ?? false) || (a.admin_state_up === 1 && isAlive(svc, a)));
  }
  return [...zones].flatMap(([name, up]) => ['network', 'router'].map((resource) => ({ name, resource, state: up ? 'available' : 'unavailable' })));
}
