import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { summarise, usagesIn } from '../domain/tenant-usage.js';
import { badRequest, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';

type Query = { start?: string; end?: string; detailed?: string };

function parseTime(text: string | undefined, fallback: Date): Date {
  if (text === undefined || text === '') return fallback;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(t)) throw badRequest(`Invalid input for query parameters start. Value: ${text}.`);
  return new Date(t);
}

export function registerUsageRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const window = (request: FastifyRequest): { start: Date; end: Date } => {
    const q = request.query as Query;
    const now = svc.clock.now();
    // Usage cannot run ahead of now, whatever end the client names (Nova caps it too).
    const asked = parseTime(q.end, now);
    const end = asked > now ? now : asked;
    const start = parseTime(q.start, new Date(end.getTime() - 24 * 3_600_000));
    if (start > end) throw badRequest('Invalid start time. The start time cannot occur after the end time.');
    return { start, end };
  };

  app.get('/v2.1/os-simple-tenant-usage', authed, async (request) => {
    // "/os-simple-tenant-usage/" is a project usage with an empty project id: Nova has no such project.
    if (request.url.split('?')[0]!.endsWith('/')) throw notFound('Resource could not be found.');
    svc.authorize(callerOf(request), 'os_compute_api:os-simple-tenant-usage:list');
    const { start, end } = window(request);
    const detailed = ['1', 'true', 'True'].includes((request.query as Query).detailed ?? '');
    const all = await usagesIn(svc, null, start, end);
    return { tenant_usages: [...all].map(([project, usages]) => summarise(project, usages, start, end, detailed)) };
  });

  app.get<{ Params: { project: string } }>('/v2.1/os-simple-tenant-usage/:project', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-simple-tenant-usage:show', { project_id: request.params.project });
    const { start, end } = window(request);
    const usages = (await usagesIn(svc, request.params.project, start, end)).get(request.params.project) ?? [];
    return { tenant_usage: usages.length ? summarise(request.params.project, usages, start, end, true) : {} };
  });
}
