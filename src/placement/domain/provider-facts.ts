import type { Kysely } from 'kysely';
import type { InventoryRow, PlacementTables, ProviderRow } from '../db/schema.js';
import { inventoriesBy, usageBy } from '../db/usage.js';

/** One provider with what the query filters look at, loaded in a handful of queries. */
export interface ProviderFacts {
  row: ProviderRow;
  traits: Set<string>;
  aggregates: Set<string>;
  inventories: Map<string, InventoryRow>;
  usage: Map<string, number>;
}

/** Traits a provider (or a set of them) must have: all of `required`, one of each `anyOf`, none of `forbidden`. */
export interface TraitQuery {
  required: string[];
  forbidden: string[];
  anyOf: string[][];
}

/** Aggregates: one of each `anyOf` list (each `member_of` parameter), none of `forbidden`. */
export interface AggregateQuery {
  anyOf: string[][];
  forbidden: string[];
}

export const NO_TRAITS: TraitQuery = { required: [], forbidden: [], anyOf: [] };
export const NO_AGGREGATES: AggregateQuery = { anyOf: [], forbidden: [] };

export function traitsMatch(traits: ReadonlySet<string>, q: TraitQuery): boolean {
  return q.required.every((t) => traits.has(t)) && !q.forbidden.some((t) => traits.has(t)) && q.anyOf.every((any) => any.some((t) => traits.has(t)));
}

export function aggregatesMatch(aggregates: ReadonlySet<string>, q: AggregateQuery): boolean {
  return q.anyOf.every((any) => any.some((a) => aggregates.has(a))) && !q.forbidden.some((a) => aggregates.has(a));
}

export function isEmptyTraitQuery(q: TraitQuery): boolean {
  return q.required.length === 0 && q.forbidden.length === 0 && q.anyOf.length === 0;
}

/**
 * Loads every provider (or those of `providers`) with its traits, aggregates,
 * inventories and usage, in creation order. `classes` narrows inventories and usage.
 */
export async function loadProviderFacts(db: Kysely<PlacementTables>, opts: { providers?: string[]; classes?: string[] } = {}): Promise<Map<string, ProviderFacts>> {
  let rows = db.selectFrom('resource_providers').selectAll().orderBy('created_at').orderBy('uuid');
  if (opts.providers) rows = rows.where('uuid', 'in', opts.providers.length ? opts.providers : ['']);
  let traits = db.selectFrom('provider_traits').selectAll();
  let aggregates = db.selectFrom('provider_aggregates').selectAll();
  if (opts.providers) {
    const list = opts.providers.length ? opts.providers : [''];
    traits = traits.where('provider_uuid', 'in', list);
    aggregates = aggregates.where('provider_uuid', 'in', list);
  }
  const [providerRows, traitRows, aggregateRows, inventories, usage] = await Promise.all([
    rows.execute(), traits.execute(), aggregates.execute(), inventoriesBy(db, opts), usageBy(db, opts),
  ]);
  const out = new Map<string, ProviderFacts>();
  for (const row of providerRows) {
    out.set(row.uuid, { row, traits: new Set(), aggregates: new Set(), inventories: inventories.get(row.uuid) ?? new Map(), usage: usage.get(row.uuid) ?? new Map() });
  }
  for (const t of traitRows) out.get(t.provider_uuid)?.traits.add(t.trait);
  for (const a of aggregateRows) out.get(a.provider_uuid)?.aggregates.add(a.aggregate_uuid);
  return out;
}
