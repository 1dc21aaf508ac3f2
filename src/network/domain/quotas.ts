import type { RequestContext } from '../../core/auth/index.js';
import { clearLimits, projectLimits, projectsWithLimits, QUOTA_RESOURCES, setLimits, usage, type QuotaResource } from '../db/quotas.js';
import { invalidInput, NeutronError } from '../errors.js';
import type { NetworkService } from '../service.js';
import type { Body } from './attributes.js';

export type Limits = Record<QuotaResource, number>;

/** A project's limits: its own where set, the configured defaults otherwise. */
export async function limitsOf(svc: NetworkService, projectId: string): Promise<Limits> {
  const own = await projectLimits(svc.db, projectId);
  return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, own.get(r) ?? svc.settings.defaultQuotas[r]])) as Limits;
}

/**
 * Runs `create` only if the project has room for one more `resource`. Counting and
 * creating happen under one per-project, per-resource lock, so parallel requests in
 * this process cannot overshoot the limit.
 */
export async function withinQuota<T>(svc: NetworkService, projectId: string, resource: QuotaResource, create: () => Promise<T>): Promise<T> {
  return svc.quotaLocks.run(`${projectId}/${resource}`, async () => {
    const limit = (await limitsOf(svc, projectId))[resource];
    if (limit >= 0 && await usage(svc.db, projectId, resource) >= limit) {
      throw new NeutronError(409, 'OverQuota', `Quota exceeded for resources: ['${resource}'].`);
    }
    return create();
  });
}

function checkReadable(svc: NetworkService, ctx: RequestContext, projectId: string): void {
  if (!svc.isAdmin(ctx) && ctx.projectId !== projectId) svc.authorize(ctx, 'get_quota', { tenant_id: projectId, project_id: projectId });
}

export async function showQuota(svc: NetworkService, ctx: RequestContext, projectId: string): Promise<Limits> {
  checkReadable(svc, ctx, projectId);
  return limitsOf(svc, projectId);
}

export function defaultQuota(svc: NetworkService, ctx: RequestContext, projectId: string): Limits {
  checkReadable(svc, ctx, projectId);
  return { ...svc.settings.defaultQuotas };
}

export async function quotaDetails(svc: NetworkService, ctx: RequestContext, projectId: string): Promise<Record<string, { limit: number; used: number; reserved: number }>> {
  checkReadable(svc, ctx, projectId);
  const limits = await limitsOf(svc, projectId);
  const out: Record<string, { limit: number; used: number; reserved: number }> = {};
  for (const r of QUOTA_RESOURCES) out[r] = { limit: limits[r], used: await usage(svc.db, projectId, r), reserved: 0 };
  return out;
}

export async function updateQuota(svc: NetworkService, ctx: RequestContext, projectId: string, body: Body): Promise<Limits> {
  svc.authorize(ctx, 'update_quota', { tenant_id: projectId, project_id: projectId });
  const changes = new Map<string, number>();
  for (const [key, value] of Object.entries(body)) {
    if (!(QUOTA_RESOURCES as string[]).includes(key)) throw invalidInput(`Unrecognized attribute(s) '${key}'`);
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (!Number.isInteger(n) || (n as number) < -1) throw invalidInput(`'${String(value)}' should be an integer greater than or equal to -1`);
    changes.set(key, n as number);
  }
  await setLimits(svc.db, projectId, changes);
  return limitsOf(svc, projectId);
}

export async function resetQuota(svc: NetworkService, ctx: RequestContext, projectId: string): Promise<void> {
  svc.authorize(ctx, 'delete_quota', { tenant_id: projectId, project_id: projectId });
  await clearLimits(svc.db, projectId);
}

export async function listQuotas(svc: NetworkService, ctx: RequestContext): Promise<Array<Limits & { project_id: string; tenant_id: string }>> {
  svc.authorize(ctx, 'get_quota', {});
  const projects = await projectsWithLimits(svc.db);
  return Promise.all(projects.map(async (p) => ({ ...(await limitsOf(svc, p)), project_id: p, tenant_id: p })));
}
