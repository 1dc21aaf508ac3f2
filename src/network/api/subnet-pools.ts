import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { createSubnetPool, deleteSubnetPool, updateSubnetPool, visibleSubnetPool, visibleSubnetPools } from '../domain/subnet-pools.js';
import type { NetworkService } from '../service.js';
import { listBody, showBody } from './collection.js';
import { requestBase, resourceBody, type Guard } from './kit.js';
import { registerTagRoutes } from './tags.js';
import { SUBNET_POOL_ATTRIBUTES, subnetPoolView } from './views.js';

type IdParams = { id: string };

export function registerSubnetPoolRoutes(app: FastifyInstance, svc: NetworkService, authed: Guard): void {
  app.post('/v2.0/subnetpools', authed, async (request, reply) =>
    reply.status(201).send({ subnetpool: subnetPoolView(await createSubnetPool(svc, callerOf(request), resourceBody(request, 'subnetpool'))) }));
  app.get('/v2.0/subnetpools', authed, async (request) => {
    const shown = (await visibleSubnetPools(svc, callerOf(request))).map(subnetPoolView);
    return listBody(request, shown, { collection: 'subnetpools', attributes: SUBNET_POOL_ATTRIBUTES, maxLimit: svc.settings.paginationMaxLimit, baseUrl: requestBase(request) });
  });
  app.get<{ Params: IdParams }>('/v2.0/subnetpools/:id', authed, async (request) =>
    showBody(request, 'subnetpool', subnetPoolView(await visibleSubnetPool(svc, callerOf(request), request.params.id))));
  app.put<{ Params: IdParams }>('/v2.0/subnetpools/:id', authed, async (request) =>
    ({ subnetpool: subnetPoolView(await updateSubnetPool(svc, callerOf(request), request.params.id, resourceBody(request, 'subnetpool'))) }));
  app.delete<{ Params: IdParams }>('/v2.0/subnetpools/:id', authed, async (request, reply) => {
    await deleteSubnetPool(svc, callerOf(request), request.params.id);
    return reply.status(204).send();
  });
  registerTagRoutes(app, svc, authed, 'subnetpools', async (ctx, id, forUpdate) => {
    const p = await visibleSubnetPool(svc, ctx, id);
    if (forUpdate) svc.authorize(ctx, 'update_subnetpool', { id: p.id, tenant_id: p.projectId, project_id: p.projectId });
  });
}
