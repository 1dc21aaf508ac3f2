import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { systemMetadataOf } from '../domain/instance-model.js';
import { getInstance } from '../domain/instances.js';
import { clearPassword, passwordOf } from '../metadata/password.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';

/** os-server-password: the encrypted password a guest posted to the metadata service, and clearing it. */
export function registerServerPasswordRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/os-server-password', authed, async (request) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:os-server-password:show', { project_id: row.project_id });
    return { password: passwordOf(systemMetadataOf(row)) ?? '' };
  });

  app.delete<{ Params: { id: string } }>('/v2.1/servers/:id/os-server-password', authed, async (request, reply) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:os-server-password:clear', { project_id: row.project_id });
    await clearPassword(svc, row.uuid);
    return reply.status(204).send();
  });
}
