import { forbidden } from '../errors.js';
import type { ComputeService } from '../service.js';

export interface InstanceUsage {
  instances: number;
  cores: number;
  ram: number;
}

/** What a project's live instances use (ERROR instances count, as in Nova). */
export async function instanceUsage(svc: ComputeService, projectId: string): Promise<InstanceUsage> {
  const row = await svc.db.selectFrom('instances')
    .select((eb) => [eb.fn.countAll<number | string>().as('instances'), eb.fn.sum<number | string | null>('vcpus').as('cores'), eb.fn.sum<number | string | null>('memory_mb').as('ram')])
    .where('project_id', '=', projectId).where('deleted_at', 'is', null).executeTakeFirstOrThrow();
  return { instances: Number(row.instances), cores: Number(row.cores ?? 0), ram: Number(row.ram ?? 0) };
}

/**
 * How many instances of this size fit in the project's quota, between min and max
 * (Nova's _check_num_instances_quota): max when it fits, else as many as fit if that
 * is at least min, else 403 naming the first resource over.
 */
export function instancesThatFit(svc: ComputeService, usage: InstanceUsage, per: { vcpus: number; memory_mb: number }, min: number, max: number): number {
  const q = svc.settings.defaultQuotas;
  const limits: Array<[keyof InstanceUsage, number, number]> = [['instances', q.instances, 1], ['cores', q.cores, per.vcpus], ['ram', q.ram, per.memory_mb]];
  let fits = max;
  for (const [resource, limit, each] of limits) {
    if (limit < 0 || each === 0) continue;
    fits = Math.min(fits, Math.floor((limit - usage[resource]) / each));
  }
  if (fits >= min) return Math.min(fits, max);
  const over = limits.find(([resource, limit, each]) => limit >= 0 && usage[resource] + each * min > limit)!;
  const [resource, limit, each] = over;
  throw forbidden(`Quota exceeded for ${resource}: Requested ${each * min}, but already used ${usage[resource]} of ${limit} ${resource}`);
}
