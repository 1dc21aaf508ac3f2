import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import { flavorOf } from '../domain/instance-model.js';
import { statusOf } from '../domain/states.js';
import { badRequest, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { novaTime } from './services.js';

type Query = { start?: string; end?: string; detailed?: string };

function parseTime(text: string | undefined, fallback: Date): Date {
  if (text === undefined || text === '') return fallback;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(t)) throw badRequest(`Invalid input for query parameters start. Value: ${text}.`);
  return new Date(t);
}

/** One instance's usage inside [start, end] (Nova's simple tenant usage, by the hour). */
function serverUsage(row: InstanceRow, start: Date, end: Date): Record<string, unknown> | null {
  const launched = new Date(row.launched_at ?? row.created_at);
  const ended = row.terminated_at ? new Date(row.terminated_at) : null;
  if (launched > end || (ended && ended < start)) return null;
  const from = launched > start ? launched : start;
  const to = ended && ended < end ? ended : end;
  const hours = Math.max(0, (to.getTime() - from.getTime()) / 3_600_000);
  const flavor = flavorOf(row);
  return {
    instance_id: row.uuid, name: row.display_name, hours, memory_mb: flavor.memory_mb, local_gb: flavor.root_gb + flavor.ephemeral_gb, vcpus: flavor.vcpus,
    tenant_id: row.project_id, flavor: flavor.name, started_at: novaTime(launched.toISOString()), ended_at: ended ? novaTime(ended.toISOString()) : null,
    state: row.deleted_at ? 'terminated' : statusOf(row.vm_state, null).toLowerCase() === 'shutoff' ? 'stopped' : row.vm_state, uptime: Math.round((to.getTime() - from.getTime()) / 1000),
  };
}

function summarise(project: string, usages: Array<Record<string, unknown>>, start: Date, end: Date, detailed: boolean): Record<string, unknown> {
  const sum = (f: (u: Record<string, unknown>) => number): number => usages.reduce((a, u) => a + f(u), 0);
  return {
    tenant_id: project, total_hours: sum((u) => u.hours as number),
    total_local_gb_usage: sum((u) => (u.hours as number) * (u.local_gb as number)), total_memory_mb_usage: sum((u) => (u.hours as number) * (u.memory_mb as number)),
    total_vcpus_usage: sum((u) => (u.hours as number) * (u.vcpus as number)), start: novaTime(start.toISOString()), stop: novaTime(end.toISOString()),
    ...(detailed ? { server_usages: usages } : {}),
  };
}

export function registerUsageRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const usagesIn = async (project: string | null, start: Date, end: Date): Promise<Map<string, Array<Record<string, unknown>>>> => {
    let q = svc.db.selectFrom('instances').selectAll().orderBy('created_at');
    if (project !== null) q = q.where('project_id', '=', project);
    const out = new Map<string, Array<Record<string, unknown>>>();
    for (const row of await q.execute()) {
      const u = serverUsage(row, start, end);
      if (u) out.set(row.project_id, [...(out.get(row.project_id) ?? []), u]);
    }
    return out;
  };
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
    const all = await usagesIn(null, start, end);
    return { tenant_usages: [...all].map(([project, usages]) => summarise(project, usages, start, end, detailed)) };
  });

  app.get<{ Params: { project: string } }>('/v2.1/os-simple-tenant-usage/:project', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-simple-tenant-usage:show', { project_id: request.params.project });
    const { start, end } = window(request);
    const usages = (await usagesIn(request.params.project, start, end)).get(request.params.project) ?? [];
    return { tenant_usage: usages.length ? summarise(request.params.project, usages, start, end, true) : {} };
  });
}
