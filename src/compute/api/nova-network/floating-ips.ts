import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../../core/auth/index.js';
import {
  allocateFloatingIp, floatingIpPools, getFloatingIp, listFloatingIps, releaseFloatingIp, type PooledFloatingIp,
} from '../../domain/floating-ip-proxy.js';
import { badRequest } from '../../errors.js';
import type { ComputeService } from '../../service.js';
import type { Guard } from '../index.js';
import { UNTIL_2_35 } from './proxy-request.js';

type IdParams = { Params: { id: string } };

/** A floating IP as os-floating-ips shows it: its pool by name, the server it points at by the port's device. */
function floatingIpView(f: PooledFloatingIp): Record<string, unknown> {
  return { id: f.id, ip: f.floating_ip_address, pool: f.pool, fixed_ip: f.fixed_ip_address, instance_id: f.port_details ? f.port_details.device_id : null };
}

/** The pool a POST names, if any: Nova reads `pool` at the top of the body. */
function requestedPool(body: unknown): string | undefined {
  if (body === undefined || body === null || typeof body !== 'object' || !('pool' in body)) return undefined;
  const pool = (body as { pool: unknown }).pool;
  if (pool === null || pool === undefined || pool === '') return undefined;
  if (typeof pool !== 'string') throw badRequest(`Invalid input for field/attribute pool. Value: ${JSON.stringify(pool)}. ${JSON.stringify(pool)} is not of type 'string'`);
  return pool;
}

/** os-floating-ips and os-floating-ip-pools (until 2.35): the project's Neutron floating IPs and the external networks. */
export function registerFloatingIpRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const until235 = { ...authed, ...UNTIL_2_35 };
  const net = (token: string) => svc.clients.network(token);

  app.get('/v2.1/os-floating-ips', until235, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-floating-ips:list');
    return { floating_ips: (await listFloatingIps(net(ctx.token), ctx.projectId ?? '')).map(floatingIpView) };
  });

  app.get<IdParams>('/v2.1/os-floating-ips/:id', until235, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-floating-ips:show');
    return { floating_ip: floatingIpView(await getFloatingIp(net(ctx.token), request.params.id)) };
  });

  app.post('/v2.1/os-floating-ips', until235, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-floating-ips:create');
    return { floating_ip: floatingIpView(await allocateFloatingIp(net(ctx.token), requestedPool(request.body))) };
  });

  app.delete<IdParams>('/v2.1/os-floating-ips/:id', until235, async (request, reply) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-floating-ips:delete');
    const fip = await getFloatingIp(net(ctx.token), request.params.id);
    await releaseFloatingIp(svc, net(ctx.token), fip);
    return reply.status(202).send();
  });

  app.get('/v2.1/os-floating-ip-pools', until235, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-floating-ip-pools', {});
    return { floating_ip_pools: (await floatingIpPools(net(ctx.token))).map((p) => ({ name: p.name || p.id })) };
  });
}
