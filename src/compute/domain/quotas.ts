import { badRequest, forbidden } from '../errors.js';
import type { ComputeService } from '../service.js';
import { DEFAULT_QUOTAS, type QuotaResource } from '../settings.js';

export type QuotaLimits = Record<QuotaResource, number>;

export const QUOTA_RESOURCES = Object.keys(DEFAULT_QUOTAS) as QuotaResource[];

/** The project's limits: its own where set, else the [quota] defaults; a user's own limits override the project's. */
export async function limitsFor(svc: ComputeService, projectId: string, userId?: string): Promise<QuotaLimits> {
  const limits = await classLimits(svc, 'default');
  const rows = await svc.db.selectFrom('quotas').selectAll().where('project_id', '=', projectId)
    .where('user_id', 'in', userId ? ['', userId] : ['']).orderBy('user_id').execute();
  for (const r of rows) if (r.resource in limits) limits[r.resource as QuotaResource] = r.hard_limit;
  return limits;
}

/** Quota class rows live beside the projects' under this reserved project id. */
const classKey = (name: string): string => `__quota_class__:${name}`;

/** A quota class's limits (the `default` class changes every project's defaults). */
export async function classLimits(svc: ComputeService, name: string): Promise<QuotaLimits> {
  const limits = { ...svc.settings.defaultQuotas } as QuotaLimits;
  for (const r of await svc.db.selectFrom('quotas').selectAll().where('project_id', '=', classKey(name)).execute()) {
    if (r.resource in limits) limits[r.resource as QuotaResource] = r.hard_limit;
  }
  return limits;
}

/** Sets a class's limits; names outside QuotaLimits (the old network quotas) are kept and shown back, nothing else. */
export async function setClassLimits(svc: ComputeService, name: string, values: Record<string, number>): Promise<void> {
  await setLimits(svc, classKey(name), undefined, values as Partial<QuotaLimits>);
}

/** A class's stored value of any resource name (for the network quotas Nova kept until 2.50). */
export async function classValue(svc: ComputeService, name: string, resource: string): Promise<number | undefined> {
  const row = await svc.db.selectFrom('quotas').select('hard_limit').where('project_id', '=', classKey(name)).where('resource', '=', resource).executeTakeFirst();
  return row?.hard_limit;
}

/** Replaces some of a project's (or user's) limits. */
export async function setLimits(svc: ComputeService, projectId: string, userId: string | undefined, values: Partial<QuotaLimits>): Promise<void> {
  const user = userId ?? '';
  await svc.db.transaction().execute(async (tx) => {
    for (const [resource, hard_limit] of Object.entries(values)) {
      await tx.deleteFrom('quotas').where('project_id', '=', projectId).where('user_id', '=', user).where('resource', '=', resource).execute();
      await tx.insertInto('quotas').values({ project_id: projectId, user_id: user, resource, hard_limit: hard_limit! }).execute();
    }
  });
}

/** Back to the defaults (DELETE /os-quota-sets/{project}). */
export async function resetLimits(svc: ComputeService, projectId: string, userId?: string): Promise<void> {
  let q = svc.db.deleteFrom('quotas').where('project_id', '=', projectId);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  await q.execute();
}

export interface Usage {
  instances: number;
  cores: number;
  ram: number;
  key_pairs: number;
  server_groups: number;
}

/** What a project (or one of its users) uses now; ERROR instances count, as in Nova. */
export async function usageOf(svc: ComputeService, projectId: string, userId?: string): Promise<Usage> {
  let q = svc.db.selectFrom('instances')
    .select((eb) => [eb.fn.countAll<number | string>().as('instances'), eb.fn.sum<number | string | null>('vcpus').as('cores'), eb.fn.sum<number | string | null>('memory_mb').as('ram')])
    .where('project_id', '=', projectId).where('deleted_at', 'is', null);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  const row = await q.executeTakeFirstOrThrow();
  const keys = userId !== undefined
    ? await svc.db.selectFrom('key_pairs').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()
    : { n: 0 };
  let groups = svc.db.selectFrom('server_groups').select((eb) => eb.fn.countAll<number | string>().as('n')).where('project_id', '=', projectId);
  if (userId !== undefined) groups = groups.where('user_id', '=', userId);
  const { n: groupCount } = await groups.executeTakeFirstOrThrow();
  return { instances: Number(row.instances), cores: Number(row.cores ?? 0), ram: Number(row.ram ?? 0), key_pairs: Number(keys.n), server_groups: Number(groupCount) };
}

/**
 * How many instances of this size fit in the project's quota, between min and max
 * (Nova's _check_num_instances_quota): max when it fits, else as many as fit if that
 * is at least min, else 403 naming the first resource over.
 */
export function instancesThatFit(limits: QuotaLimits, usage: Usage, per: { vcpus: number; memory_mb: number }, min: number, max: number): number {
  const checks: Array<['instances' | 'cores' | 'ram', number, number]> = [['instances', limits.instances, 1], ['cores', limits.cores, per.vcpus], ['ram', limits.ram, per.memory_mb]];
  let fits = max;
  for (const [resource, limit, each] of checks) {
    if (limit < 0 || each === 0) continue;
    fits = Math.min(fits, Math.floor((limit - usage[resource]) / each));
  }
  if (fits >= min) return Math.min(fits, max);
  const [resource, limit, each] = checks.find(([resource, limit, each]) => limit >= 0 && usage[resource] + each * min > limit)!;
  throw forbidden(`Quota exceeded for ${resource}: Requested ${each * min}, but already used ${usage[resource]} of ${limit} ${resource}`);
}

/**
 * A resize (or its revert) to a bigger flavor needs room for the difference (Nova's
 * _check_quota_for_upsize): 403 naming the first resource it does not fit.
 */
export function checkUpsize(limits: QuotaLimits, usage: Usage, from: { vcpus: number; memory_mb: number }, to: { vcpus: number; memory_mb: number }): void {
  const deltas: Array<['cores' | 'ram', number]> = [['cores', to.vcpus - from.vcpus], ['ram', to.memory_mb - from.memory_mb]];
  for (const [resource, delta] of deltas) {
    const limit = limits[resource];
    if (delta > 0 && limit >= 0 && usage[resource] + delta > limit) {
      throw forbidden(`Quota exceeded for ${resource}: Requested ${delta}, but already used ${usage[resource]} of ${limit} ${resource}`);
    }
  }
}

/**
 * Files injected with `personality` (until 2.57) against the injected_files quotas, as
 * Nova's _check_injected_file_quota answers: 403 for too many files, a path or content
 * too long; 400 for contents that are not base64.
 */
export function checkInjectedFiles(limits: QuotaLimits, files: ReadonlyArray<{ path: string; contents: string }>): Array<{ path: string; contents: string }> {
  if (limits.injected_files >= 0 && files.length > limits.injected_files) throw forbidden('Personality file limit exceeded');
  return files.map((f) => {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(f.contents.replace(/\s/g, '')) || f.contents.replace(/\s/g, '').length % 4 === 1) {
      throw badRequest(`Personality content for ${f.path} cannot be decoded`);
    }
    const bytes = Buffer.from(f.contents, 'base64').length;
    if (limits.injected_file_path_bytes >= 0 && Buffer.byteLength(f.path) > limits.injected_file_path_bytes) {
      throw forbidden(`Personality file path exceeds maximum ${limits.injected_file_path_bytes}`);
    }
    if (limits.injected_file_content_bytes >= 0 && bytes > limits.injected_file_content_bytes) {
      throw forbidden(`Personality file content exceeds maximum ${limits.injected_file_content_bytes}`);
    }
    return { path: f.path, contents: f.contents };
  });
}
