import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { defaultQuota, listQuotas, quotaDetails, resetQuota, showQuota, updateQuota } from '../domain/quotas.js';
import type { NetworkService } from '../service.js';
import { resourceBody, type Guard } from './kit.js';

type ProjectParams = { project: string };

/** Neutron's quotas extension (and quota_details): limits per project, defaults, usage. */
export function registerQuotaRoutes(app: FastifyInstance, svc: NetworkService, authed: Guard): void {
  app.get('/v2.0/quotas', authed, async (request) => ({ quotas: await listQuotas(svc, callerOf(request)) }));
  app.get('/v2.0/quotas/tenant', authed, async (request) => ({ tenant: { tenant_id: callerOf(request).projectId } }));
  app.get('/v2.0/quotas/project', authed, async (request) => ({ project: { project_id: callerOf(request).projectId } }));
  app.get<{ Params: ProjectParams }>('/v2.0/quotas/:project', authed, async (request) =>
    ({ quota: await showQuota(svc, callerOf(request), request.params.project) }));
  app.get<{ Params: ProjectParams }>('/v2.0/quotas/:project/default', authed, async (request) =>
    ({ quota: defaultQuota(svc, callerOf(request), request.params.project) }));
  app.get<{ Params: ProjectParams }>('/v2.0/quotas/:project/details', authed, async (request) =>
    ({ quota: await quotaDetails(svc, callerOf(request), request.params.project) }));
  app.put<{ Params: ProjectParams }>('/v2.0/quotas/:project', authed, async (request) =>
    ({ quota: await updateQuota(svc, callerOf(request), request.params.project, resourceBody(request, 'quota')) }));
  app.delete<{ Params: ProjectParams }>('/v2.0/quotas/:project', authed, async (request, reply) => {
    await resetQuota(svc, callerOf(request), request.params.project);
    return reply.status(204).send();
  });
}
