import type { PlacementService } from '../service.js';
import { requireProvider } from './providers.js';

/** Used amounts of every class the provider has inventory of (0 when unused), with its generation. */
export async function providerUsages(svc: PlacementService, uuid: string): Promise<{ generation: number; usages: Record<string, number> }> {
  const provider = await requireProvider(svc.db, uuid);
  const classes = await svc.db.selectFrom('inventories').select('resource_class').where('provider_uuid', '=', uuid).execute();
  const used = await svc.db.selectFrom('allocations')
    .select(['resource_class', (eb) => eb.fn.sum<number | string>('used').as('used')])
    .where('provider_uuid', '=', uuid).groupBy('resource_class').execute();
  const usages: Record<string, number> = {};
  for (const c of classes) usages[c.resource_class] = 0;
  for (const u of used) usages[u.resource_class] = Number(u.used);
  return { generation: provider.generation, usages };
}

export interface UsageQuery {
  projectId: string;
  userId?: string;
}

/** A project's (or project user's) total usage per class (GET /usages, 1.9). */
export async function projectUsages(svc: PlacementService, q: UsageQuery): Promise<Record<string, number>> {
  const byType = await projectUsagesByType(svc, q);
  const out: Record<string, number> = {};
  for (const usage of byType.values()) for (const [rc, n] of usage.amounts) out[rc] = (out[rc] ?? 0) + n;
  return out;
}

/** The same, per consumer type ("unknown" for consumers written before 1.38), with consumer counts. */
export async function projectUsagesByType(svc: PlacementService, q: UsageQuery): Promise<Map<string, { consumers: number; amounts: Map<string, number> }>> {
  let query = svc.db.selectFrom('allocations').innerJoin('consumers', 'consumers.uuid', 'allocations.consumer_uuid')
    .select(['consumers.uuid', 'consumers.consumer_type', 'allocations.resource_class', 'allocations.used'])
    .where('consumers.project_id', '=', q.projectId);
  if (q.userId !== undefined) query = query.where('consumers.user_id', '=', q.userId);
  const out = new Map<string, { consumers: Set<string>; amounts: Map<string, number> }>();
  for (const row of await query.execute()) {
    const type = row.consumer_type ?? 'unknown';
    const entry = out.get(type) ?? { consumers: new Set<string>(), amounts: new Map<string, number>() };
    entry.consumers.add(row.uuid);
    entry.amounts.set(row.resource_class, (entry.amounts.get(row.resource_class) ?? 0) + row.used);
    out.set(type, entry);
  }
  return new Map([...out].map(([type, e]) => [type, { consumers: e.consumers.size, amounts: e.amounts }]));
}
