import type { FastifyInstance } from 'fastify';
import { callerOf, type RequestContext } from '../../core/auth/index.js';
import { subnetIdsByNetwork } from '../db/subnets.js';
import { createNetwork, deleteNetwork, networkTarget, updateNetwork, visibleNetwork, visibleNetworks } from '../domain/networks.js';
import type { Network } from '../model.js';
import type { NetworkService } from '../service.js';
import { listBody, showBody } from './collection.js';
import { bulkBodies, createAll, requestBase, resourceBody, type Guard } from './kit.js';
import { registerTagRoutes } from './tags.js';
import { NETWORK_ATTRIBUTES, networkView } from './views.js';

type IdParams = { id: string };

/** Views of networks with their subnet ids (one query for the whole list). */
async function views(svc: NetworkService, ctx: RequestContext, networks: Network[]): Promise<Array<Record<string, unknown>>> {
  const subnets = await subnetIdsByNetwork(svc.db, networks.map((n) => n.id));
  return networks.map((n) => networkView(n, svc.allowed(ctx, 'get_network:provider:network_type', networkTarget(n)), subnets.get(n.id) ?? []));
}

const one = async (svc: NetworkService, ctx: RequestContext, n: Network): Promise<Record<string, unknown>> => (await views(svc, ctx, [n]))[0]!;

export function registerNetworkRoutes(app: FastifyInstance, svc: NetworkService, authed: Guard): void {
  app.post('/v2.0/networks', authed, async (request, reply) => {
    const ctx = callerOf(request);
    const bulk = bulkBodies(request, 'networks');
    if (bulk) {
      const made = await createAll(bulk, (b) => createNetwork(svc, ctx, b), (n) => deleteNetwork(svc, ctx, n.id));
      return reply.status(201).send({ networks: await views(svc, ctx, made) });
    }
    const n = await createNetwork(svc, ctx, resourceBody(request, 'network'));
    return reply.status(201).send({ network: await one(svc, ctx, n) });
  });

  app.get('/v2.0/networks', authed, async (request) => {
    const ctx = callerOf(request);
    const shown = await views(svc, ctx, await visibleNetworks(svc, ctx));
    return listBody(request, shown, { collection: 'networks', attributes: NETWORK_ATTRIBUTES, maxLimit: svc.settings.paginationMaxLimit, baseUrl: requestBase(request) });
  });

  app.get<{ Params: IdParams }>('/v2.0/networks/:id', authed, async (request) => {
    const ctx = callerOf(request);
    return showBody(request, 'network', await one(svc, ctx, await visibleNetwork(svc, ctx, request.params.id)));
  });

  app.put<{ Params: IdParams }>('/v2.0/networks/:id', authed, async (request) => {
    const ctx = callerOf(request);
    return { network: await one(svc, ctx, await updateNetwork(svc, ctx, request.params.id, resourceBody(request, 'network'))) };
  });

  app.delete<{ Params: IdParams }>('/v2.0/networks/:id', authed, async (request, reply) => {
    await deleteNetwork(svc, callerOf(request), request.params.id);
    return reply.status(204).send();
  });

  registerTagRoutes(app, svc, authed, 'networks', async (ctx, id, forUpdate) => {
    const n = await visibleNetwork(svc, ctx, id);
    if (forUpdate) svc.authorize(ctx, 'update_network', networkTarget(n));
  });
}
