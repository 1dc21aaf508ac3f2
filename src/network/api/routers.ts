import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import {
  createFloatingIp, deleteFloatingIp, portDetails, updateFloatingIp, visibleFloatingIp, visibleFloatingIps,
} from '../domain/floating-ips.js';
import {
  addInterface, createRouter, gatewayPort, deleteRouter, removeInterface, routerTarget, updateRouter, visibleRouter, visibleRouters,
} from '../domain/routers.js';
import type { FloatingIp, Router } from '../model.js';
import type { NetworkService } from '../service.js';
import { listBody, showBody } from './collection.js';
import { requestBase, resourceBody, type Guard } from './kit.js';
import { registerTagRoutes } from './tags.js';
import { FLOATING_IP_ATTRIBUTES, floatingIpView, ROUTER_ATTRIBUTES, routerView } from './views.js';

type IdParams = { id: string };

const routerOut = async (svc: NetworkService, r: Router): Promise<Record<string, unknown>> =>
  routerView(r, await gatewayPort(svc, r));
const fipOut = async (svc: NetworkService, f: FloatingIp): Promise<Record<string, unknown>> => floatingIpView(f, await portDetails(svc, f));

/** Routers (with their interface actions) and floating IPs: Neutron's L3 API. */
export function registerL3Routes(app: FastifyInstance, svc: NetworkService, authed: Guard): void {
  const page = { maxLimit: svc.settings.paginationMaxLimit };

  app.post('/v2.0/routers', authed, async (request, reply) =>
    reply.status(201).send({ router: await routerOut(svc, await createRouter(svc, callerOf(request), resourceBody(request, 'router'))) }));
  app.get('/v2.0/routers', authed, async (request) => {
    const shown = await Promise.all((await visibleRouters(svc, callerOf(request))).map((r) => routerOut(svc, r)));
    return listBody(request, shown, { collection: 'routers', attributes: ROUTER_ATTRIBUTES, ...page, baseUrl: requestBase(request) });
  });
  app.get<{ Params: IdParams }>('/v2.0/routers/:id', authed, async (request) =>
    showBody(request, 'router', await routerOut(svc, await visibleRouter(svc, callerOf(request), request.params.id))));
  app.put<{ Params: IdParams }>('/v2.0/routers/:id', authed, async (request) =>
    ({ router: await routerOut(svc, await updateRouter(svc, callerOf(request), request.params.id, resourceBody(request, 'router'))) }));
  app.delete<{ Params: IdParams }>('/v2.0/routers/:id', authed, async (request, reply) => {
    await deleteRouter(svc, callerOf(request), request.params.id);
    return reply.status(204).send();
  });
  app.put<{ Params: IdParams }>('/v2.0/routers/:id/add_router_interface', authed, async (request) =>
    addInterface(svc, callerOf(request), request.params.id, (request.body ?? {}) as Record<string, unknown>));
  app.put<{ Params: IdParams }>('/v2.0/routers/:id/remove_router_interface', authed, async (request) =>
    removeInterface(svc, callerOf(request), request.params.id, (request.body ?? {}) as Record<string, unknown>));
  registerTagRoutes(app, svc, authed, 'routers', async (ctx, id, forUpdate) => {
    const r = await visibleRouter(svc, ctx, id);
    if (forUpdate) svc.authorize(ctx, 'update_router', routerTarget(r));
  });

  app.post('/v2.0/floatingips', authed, async (request, reply) =>
    reply.status(201).send({ floatingip: await fipOut(svc, await createFloatingIp(svc, callerOf(request), resourceBody(request, 'floatingip'))) }));
  app.get('/v2.0/floatingips', authed, async (request) => {
    const shown = await Promise.all((await visibleFloatingIps(svc, callerOf(request))).map((f) => fipOut(svc, f)));
    return listBody(request, shown, { collection: 'floatingips', attributes: FLOATING_IP_ATTRIBUTES, ...page, baseUrl: requestBase(request) });
  });
  app.get<{ Params: IdParams }>('/v2.0/floatingips/:id', authed, async (request) =>
    showBody(request, 'floatingip', await fipOut(svc, await visibleFloatingIp(svc, callerOf(request), request.params.id))));
  app.put<{ Params: IdParams }>('/v2.0/floatingips/:id', authed, async (request) =>
    ({ floatingip: await fipOut(svc, await updateFloatingIp(svc, callerOf(request), request.params.id, resourceBody(request, 'floatingip'))) }));
  app.delete<{ Params: IdParams }>('/v2.0/floatingips/:id', authed, async (request, reply) => {
    await deleteFloatingIp(svc, callerOf(request), request.params.id);
    return reply.status(204).send();
  });
  registerTagRoutes(app, svc, authed, 'floatingips', async (ctx, id, forUpdate) => {
    const f = await visibleFloatingIp(svc, ctx, id);
    if (forUpdate) svc.authorize(ctx, 'update_floatingip', { id: f.id, tenant_id: f.projectId, project_id: f.projectId });
  });
}
