import type { FastifyInstance } from 'fastify';
import { callerOf, type RequestContext } from '../../core/auth/index.js';
import { createPort, deletePort, portTarget, updatePort, visiblePort, visiblePorts } from '../domain/ports.js';
import { canonicalAddress } from '../../core/net/address.js';
import type { Network, Port } from '../model.js';
import type { NetworkService } from '../service.js';
import { listBody, showBody } from './collection.js';
import { bulkBodies, createAll, requestBase, resourceBody, type Guard } from './kit.js';
import { registerTagRoutes } from './tags.js';
import { PORT_ATTRIBUTES, portView } from './views.js';

type IdParams = { id: string };

/**
 * Neutron's `fixed_ips` filter: values like `ip_address=10.0.0.2` or `subnet_id=...`;
 * a port matches when one of its addresses satisfies every kind given.
 */
function fixedIpsFilter(view: Record<string, unknown>, wanted: string[]): boolean {
  const want = { ip_address: new Set<string>(), subnet_id: new Set<string>() };
  for (const w of wanted) {
    const [key, value] = w.split('=', 2) as [string, string | undefined];
    if ((key === 'ip_address' || key === 'subnet_id') && value !== undefined) want[key].add(key === 'ip_address' ? canonicalAddress(value) ?? value : value);
  }
  const ips = view['fixed_ips'] as Array<{ ip_address: string; subnet_id: string }>;
  return ips.some((f) => (want.ip_address.size === 0 || want.ip_address.has(f.ip_address)) && (want.subnet_id.size === 0 || want.subnet_id.has(f.subnet_id)));
}

const view = (svc: NetworkService, ctx: RequestContext, p: Port, network?: Network): Record<string, unknown> =>
  portView(p, svc.allowed(ctx, 'get_port:binding:host_id', portTarget(p, network)));

export function registerPortRoutes(app: FastifyInstance, svc: NetworkService, authed: Guard): void {
  app.post('/v2.0/ports', authed, async (request, reply) => {
    const ctx = callerOf(request);
    const bulk = bulkBodies(request, 'ports');
    if (bulk) {
      const made = await createAll(bulk, (b) => createPort(svc, ctx, b), (p) => deletePort(svc, ctx, p.id));
      return reply.status(201).send({ ports: made.map((p) => view(svc, ctx, p)) });
    }
    return reply.status(201).send({ port: view(svc, ctx, await createPort(svc, ctx, resourceBody(request, 'port'))) });
  });

  app.get('/v2.0/ports', authed, async (request) => {
    const ctx = callerOf(request);
    const q = request.query as Record<string, string | string[] | undefined>;
    // network_id and device_id narrow the query itself: the common lookups stay cheap on big clouds.
    const single = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
    const networkId = single(q['network_id']);
    const deviceId = single(q['device_id']);
    const ports = await visiblePorts(svc, ctx, { ...(networkId !== undefined ? { networkId } : {}), ...(deviceId !== undefined ? { deviceId } : {}) });
    const showBinding = svc.isAdmin(ctx);
    return listBody(request, ports.map((p) => portView(p, showBinding)), {
      collection: 'ports', attributes: PORT_ATTRIBUTES, maxLimit: svc.settings.paginationMaxLimit, baseUrl: requestBase(request),
      customFilters: { fixed_ips: fixedIpsFilter },
    });
  });

  app.get<{ Params: IdParams }>('/v2.0/ports/:id', authed, async (request) => {
    const ctx = callerOf(request);
    const { port, network } = await visiblePort(svc, ctx, request.params.id);
    return showBody(request, 'port', view(svc, ctx, port, network));
  });

  app.put<{ Params: IdParams }>('/v2.0/ports/:id', authed, async (request) => {
    const ctx = callerOf(request);
    return { port: view(svc, ctx, await updatePort(svc, ctx, request.params.id, resourceBody(request, 'port'))) };
  });

  app.delete<{ Params: IdParams }>('/v2.0/ports/:id', authed, async (request, reply) => {
    await deletePort(svc, callerOf(request), request.params.id);
    return reply.status(204).send();
  });

  registerTagRoutes(app, svc, authed, 'ports', async (ctx, id, forUpdate) => {
    const { port, network } = await visiblePort(svc, ctx, id);
    if (forUpdate) svc.authorize(ctx, 'update_port', portTarget(port, network));
  });
}
