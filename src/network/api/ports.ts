import type { FastifyInstance } from 'fastify';
import { callerOf, type RequestContext } from '../../core/auth/index.js';
import { createPort, deletePort, portTarget, updatePort, visiblePort, visiblePorts } from '../domain/ports.js';
import type { Network, Port } from '../model.js';
import type { NetworkService } from '../service.js';
import { listBody, showBody } from './collection.js';
import { requestBase, resourceBody, type Guard } from './kit.js';
import { registerTagRoutes } from './tags.js';
import { PORT_ATTRIBUTES, portView } from './views.js';

type IdParams = { id: string };

const view = (svc: NetworkService, ctx: RequestContext, p: Port, network?: Network): Record<string, unknown> =>
  portView(p, svc.allowed(ctx, 'get_port:binding:host_id', portTarget(p, network)));

export function registerPortRoutes(app: FastifyInstance, svc: NetworkService, authed: Guard): void {
  app.post('/v2.0/ports', authed, async (request, reply) => {
    const ctx = callerOf(request);
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
