import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { createNetwork, deleteNetwork, networkTarget, replaceTags, updateNetwork, visibleNetwork, visibleNetworks } from '../domain/networks.js';
import type { NetworkService } from '../service.js';
import type { RequestContext } from '../../core/auth/index.js';
import type { Network } from '../model.js';
import { listBody, showBody } from './collection.js';
import { requestBase, resourceBody, type Guard } from './kit.js';
import { NETWORK_ATTRIBUTES, networkView } from './views.js';

type IdParams = { id: string };

function view(svc: NetworkService, ctx: RequestContext, n: Network): Record<string, unknown> {
  return networkView(n, svc.allowed(ctx, 'get_network:provider:network_type', networkTarget(n)));
}

export function registerNetworkRoutes(app: FastifyInstance, svc: NetworkService, authed: Guard): void {
  app.post('/v2.0/networks', authed, async (request, reply) => {
    const ctx = callerOf(request);
    const n = await createNetwork(svc, ctx, resourceBody(request, 'network'));
    return reply.status(201).send({ network: view(svc, ctx, n) });
  });

  app.get('/v2.0/networks', authed, async (request) => {
    const ctx = callerOf(request);
    const views = (await visibleNetworks(svc, ctx)).map((n) => view(svc, ctx, n));
    return listBody(request, views, { collection: 'networks', attributes: NETWORK_ATTRIBUTES, maxLimit: svc.settings.paginationMaxLimit, baseUrl: requestBase(request) });
  });

  app.get<{ Params: IdParams }>('/v2.0/networks/:id', authed, async (request) => {
    const ctx = callerOf(request);
    return showBody(request, 'network', view(svc, ctx, await visibleNetwork(svc, ctx, request.params.id)));
  });

  app.put<{ Params: IdParams }>('/v2.0/networks/:id', authed, async (request) => {
    const ctx = callerOf(request);
    return { network: view(svc, ctx, await updateNetwork(svc, ctx, request.params.id, resourceBody(request, 'network'))) };
  });

  app.delete<{ Params: IdParams }>('/v2.0/networks/:id', authed, async (request, reply) => {
    await deleteNetwork(svc, callerOf(request), request.params.id);
    return reply.status(204).send();
  });

  app.put<{ Params: IdParams }>('/v2.0/networks/:id/tags', authed, async (request) => {
    const body = request.body as { tags?: unknown } | undefined;
    return { tags: await replaceTags(svc, callerOf(request), request.params.id, body?.tags) };
  });
}
