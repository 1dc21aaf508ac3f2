import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { createSubnet, deleteSubnet, subnetTarget, updateSubnet, visibleSubnet, visibleSubnets } from '../domain/subnets.js';
import type { NetworkService } from '../service.js';
import { listBody, showBody } from './collection.js';
import { bulkBodies, createAll, requestBase, resourceBody, type Guard } from './kit.js';
import { registerTagRoutes } from './tags.js';
import { SUBNET_ATTRIBUTES, subnetView } from './views.js';

type IdParams = { id: string };

export function registerSubnetRoutes(app: FastifyInstance, svc: NetworkService, authed: Guard): void {
  app.post('/v2.0/subnets', authed, async (request, reply) => {
    const ctx = callerOf(request);
    const bulk = bulkBodies(request, 'subnets');
    if (bulk) {
      const made = await createAll(bulk, (b) => createSubnet(svc, ctx, b), (s) => deleteSubnet(svc, ctx, s.id));
      return reply.status(201).send({ subnets: made.map(subnetView) });
    }
    const s = await createSubnet(svc, ctx, resourceBody(request, 'subnet'));
    return reply.status(201).send({ subnet: subnetView(s) });
  });

  app.get('/v2.0/subnets', authed, async (request) => {
    const shown = (await visibleSubnets(svc, callerOf(request))).map(subnetView);
    return listBody(request, shown, { collection: 'subnets', attributes: SUBNET_ATTRIBUTES, maxLimit: svc.settings.paginationMaxLimit, baseUrl: requestBase(request) });
  });

  app.get<{ Params: IdParams }>('/v2.0/subnets/:id', authed, async (request) => {
    const { subnet } = await visibleSubnet(svc, callerOf(request), request.params.id);
    return showBody(request, 'subnet', subnetView(subnet));
  });

  app.put<{ Params: IdParams }>('/v2.0/subnets/:id', authed, async (request) => {
    return { subnet: subnetView(await updateSubnet(svc, callerOf(request), request.params.id, resourceBody(request, 'subnet'))) };
  });

  app.delete<{ Params: IdParams }>('/v2.0/subnets/:id', authed, async (request, reply) => {
    await deleteSubnet(svc, callerOf(request), request.params.id);
    return reply.status(204).send();
  });

  registerTagRoutes(app, svc, authed, 'subnets', async (ctx, id, forUpdate) => {
    const { subnet, network } = await visibleSubnet(svc, ctx, id);
    if (forUpdate) svc.authorize(ctx, 'update_subnet', subnetTarget(subnet, network));
  });
}
