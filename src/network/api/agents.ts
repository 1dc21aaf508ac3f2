import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { agentView, availabilityZones, deleteAgent, updateAgent, visibleAgent, visibleAgents } from '../domain/agents.js';
import { listAvailability, showAvailability } from '../domain/ip-availability.js';
import type { NetworkService } from '../service.js';
import { listBody, showBody, type View } from './collection.js';
import { requestBase, resourceBody, type Guard } from './kit.js';

type IdParams = { id: string };

const AGENT_ATTRIBUTES = ['id', 'agent_type', 'binary', 'topic', 'host', 'admin_state_up', 'alive', 'availability_zone', 'description',
  'created_at', 'started_at', 'heartbeat_timestamp', 'configurations', 'resources_synced'];
const AVAILABILITY_ATTRIBUTES = ['network_id', 'network_name', 'tenant_id', 'project_id', 'total_ips', 'used_ips', 'subnet_ip_availability'];
const ZONE_ATTRIBUTES = ['name', 'resource', 'state'];

/** Agents, the availability zones they report, and network IP availability: the operator's view of the network service. */
export function registerAgentRoutes(app: FastifyInstance, svc: NetworkService, authed: Guard): void {
  const page = { maxLimit: svc.settings.paginationMaxLimit };

  app.get('/v2.0/agents', authed, async (request) => {
    const shown = (await visibleAgents(svc, callerOf(request))).map((a) => agentView(svc, a));
    return listBody(request, shown, { collection: 'agents', attributes: AGENT_ATTRIBUTES, ...page, baseUrl: requestBase(request) });
  });
  app.get<{ Params: IdParams }>('/v2.0/agents/:id', authed, async (request) =>
    showBody(request, 'agent', agentView(svc, await visibleAgent(svc, callerOf(request), request.params.id))));
  app.put<{ Params: IdParams }>('/v2.0/agents/:id', authed, async (request) =>
    ({ agent: agentView(svc, await updateAgent(svc, callerOf(request), request.params.id, resourceBody(request, 'agent'))) }));
  app.delete<{ Params: IdParams }>('/v2.0/agents/:id', authed, async (request, reply) => {
    await deleteAgent(svc, callerOf(request), request.params.id);
    return reply.status(204).send();
  });

  // Zones are those the agents report, for networks and routers alike (one agent serves both here).
  app.get('/v2.0/availability_zones', authed, async (request) => {
    const shown = (await availabilityZones(svc, callerOf(request))) as unknown as View[];
    return listBody(request, shown, { collection: 'availability_zones', attributes: ZONE_ATTRIBUTES, ...page, baseUrl: requestBase(request), idKey: 'name' });
  });

  app.get('/v2.0/network-ip-availabilities', authed, async (request) => {
    const shown = (await listAvailability(svc, callerOf(request))) as unknown as View[];
    return listBody(request, shown, {
      collection: 'network_ip_availabilities', attributes: AVAILABILITY_ATTRIBUTES, ...page, baseUrl: requestBase(request),
      path: 'network-ip-availabilities', idKey: 'network_id',
    });
  });
  app.get<{ Params: IdParams }>('/v2.0/network-ip-availabilities/:id', authed, async (request) =>
    showBody(request, 'network_ip_availability', (await showAvailability(svc, callerOf(request), request.params.id)) as unknown as View));
}
