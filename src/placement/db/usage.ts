import type { Kysely } from 'kysely';
import type { InventoryRow, PlacementTables } from './schema.js';

/** Per provider, per resource class. */
export type ByProvider<T> = Map<string, Map<string, T>>;

function put<T>(map: ByProvider<T>, provider: string, rc: string, value: T): void {
  let inner = map.get(provider);
  if (!inner) map.set(provider, (inner = new Map()));
  inner.set(rc, value);
}

/** Inventories, optionally only of some providers and some classes. */
export async function inventoriesBy(db: Kysely<PlacementTables>, filter: { providers?: string[]; classes?: string[] } = {}): Promise<ByProvider<InventoryRow>> {
  let q = db.selectFrom('inventories').selectAll();
  if (filter.providers) q = q.where('provider_uuid', 'in', filter.providers.length ? filter.providers : ['']);
  if (filter.classes) q = q.where('resource_class', 'in', filter.classes.length ? filter.classes : ['']);
  const out: ByProvider<InventoryRow> = new Map();
  for (const row of await q.execute()) put(out, row.provider_uuid, row.resource_class, row);
  return out;
}

/**
 * Amounts allocated, summed per provider and class, optionally only of some providers
 * and classes and leaving out some consumers (whose allocations are being replaced).
 */
export async function usageBy(
  db: Kysely<PlacementTables>,
  filter: { providers?: string[]; classes?: string[]; exceptConsumers?: string[] } = {},
): Promise<ByProvider<number>> {
  let q = db.selectFrom('allocations')
    .select(['provider_uuid', 'resource_class', (eb) => eb.fn.sum<number | string>('used').as('used')])
    .groupBy(['provider_uuid', 'resource_class']);
  if (filter.providers) q = q.where('provider_uuid', 'in', filter.providers.length ? filter.providers : ['']);
  if (filter.classes) q = q.where('resource_class', 'in', filter.classes.length ? filter.classes : ['']);
  if (filter.exceptConsumers?.length) q = q.where('consumer_uuid', 'not in', filter.exceptConsumers);
  const out: ByProvider<number> = new Map();
  // PostgreSQL and MariaDB return SUM of integers as a decimal string.
  for (const row of await q.execute()) put(out, row.provider_uuid, row.resource_class, Number(row.used));
  return out;
}
