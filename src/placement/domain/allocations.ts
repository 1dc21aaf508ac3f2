import { sql, type Transaction } from 'kysely';
import { isUniqueViolation } from '../../core/db/index.js';
import type { PlacementTables } from '../db/schema.js';
import { inventoriesBy, usageBy } from '../db/usage.js';
import { badRequest, conflict, ErrorCode, notFound, PlacementError } from '../errors.js';
import type { PlacementService } from '../service.js';
import { capacityOf, withinUnits } from './capacity.js';
import type { Allocations } from './candidates.js';
import { unknownClasses } from './resource-classes.js';

/** One consumer's complete allocations, replacing whatever it held. */
export interface ConsumerAllocations {
  consumer: string;
  projectId: string;
  userId: string;
  /** undefined: not checked (before 1.28); null: the consumer must be new; n: it must be at generation n. */
  consumerGeneration?: number | null;
  /** From 1.38; consumers written without one count as "unknown". */
  consumerType?: string | null;
  allocations: Allocations;
}

/** Thrown inside a transaction when a provider generation moved under us; the whole write is retried. */
export class ProviderRace extends Error {}

/** Attempts at a write before giving up on providers that keep changing under it. */
const MAX_ATTEMPTS = 10;

/**
 * Writes the allocations of one or more consumers atomically (PUT /allocations/{c},
 * POST /allocations): either every consumer gets exactly what is asked, within every
 * inventory's capacity and units, or nothing changes. Capacity is checked against the
 * usage of everyone else; the providers' generations guard against concurrent writers.
 */
export async function writeAllocations(svc: PlacementService, requests: ConsumerAllocations[]): Promise<void> {
  const providers = [...new Set(requests.flatMap((r) => [...r.allocations.keys()]))];
  if (providers.length > 0) {
    const existing = new Set((await svc.db.selectFrom('resource_providers').select('uuid').where('uuid', 'in', providers).execute()).map((r) => r.uuid));
    const missing = providers.find((p) => !existing.has(p));
    if (missing) throw badRequest(`Allocation for resource provider '${missing}' that does not exist.`);
  }
  const classes = new Set(requests.flatMap((r) => [...r.allocations.values()].flatMap((a) => [...a.keys()])));
  const unknown = await unknownClasses(svc, classes);
  if (unknown.length > 0) throw badRequest(`Unable to allocate inventory for consumer ${requests[0]!.consumer}: No such resource class ${unknown[0]}.`);
  await svc.allocationLock.run('allocations', async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await svc.db.transaction().execute((tx) => writeOnce(svc, tx, requests, providers, [...classes]));
        return;
      } catch (e) {
        if (!(e instanceof ProviderRace)) throw e;
        if (attempt >= MAX_ATTEMPTS) {
          throw conflict('Inventory and/or allocations changed while attempting to allocate: Another thread concurrently updated the data. Please retry your update', ErrorCode.CONCURRENT_UPDATE);
        }
        // Another process won; back off a little, at random, before trying again.
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      }
    }
  });
}

/**
 * One attempt at writing consumers' allocations inside `tx` (capacity checked against
 * what `tx` sees, provider generations compare-and-swapped); throws ProviderRace when
 * another writer moved a provider meanwhile. The reshaper runs it after replacing
 * inventories in the same transaction.
 */
export async function writeOnce(svc: PlacementService, tx: Transaction<PlacementTables>, requests: ConsumerAllocations[], providers: string[], classes: string[]): Promise<void> {
  // Nothing to write (a reshape that only moves inventories); also keeps `IN ()`, which
  // PostgreSQL and MariaDB reject, out of the queries below.
  if (requests.length === 0) return;
  const now = svc.now();
  const consumers = requests.map((r) => r.consumer);
  const rows = new Map((await tx.selectFrom('consumers').selectAll().where('uuid', 'in', consumers).execute()).map((c) => [c.uuid, c]));
  for (const r of requests) {
    if (r.consumerGeneration === undefined) continue;
    const current = rows.get(r.consumer);
    if (current && current.generation !== r.consumerGeneration) {
      throw conflict(`consumer generation conflict - expected ${current.generation} but got ${r.consumerGeneration}`, ErrorCode.CONCURRENT_UPDATE);
    }
    if (!current && r.consumerGeneration !== null) {
      throw conflict(`consumer generation conflict - expected null but got ${r.consumerGeneration}`, ErrorCode.CONCURRENT_UPDATE);
    }
  }
  const previous = await tx.selectFrom('allocations').select('provider_uuid').distinct().where('consumer_uuid', 'in', consumers).execute();
  const touched = [...new Set([...providers, ...previous.map((p) => p.provider_uuid)])];
  const generations = new Map((await tx.selectFrom('resource_providers').select(['uuid', 'generation']).where('uuid', 'in', touched.length ? touched : ['']).execute())
    .map((p) => [p.uuid, p.generation]));
  await checkCapacity(tx, requests, providers, classes, consumers);

  await tx.deleteFrom('allocations').where('consumer_uuid', 'in', consumers).execute();
  for (const r of requests) {
    const values = [...r.allocations].flatMap(([provider_uuid, amounts]) =>
      [...amounts].map(([resource_class, used]) => ({ consumer_uuid: r.consumer, provider_uuid, resource_class, used, created_at: now })));
    const current = rows.get(r.consumer);
    if (values.length === 0) {
      if (current) await tx.deleteFrom('consumers').where('uuid', '=', r.consumer).execute();
      continue;
    }
    if (current) {
      const moved = await tx.updateTable('consumers')
        .set({ generation: current.generation + 1, project_id: r.projectId, user_id: r.userId, updated_at: now,
          ...(r.consumerType !== undefined ? { consumer_type: r.consumerType } : {}) })
        .where('uuid', '=', r.consumer).where('generation', '=', current.generation).executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) throw consumerRace(r.consumer);
    } else {
      try {
        await tx.insertInto('consumers').values({ uuid: r.consumer, project_id: r.projectId, user_id: r.userId, generation: 1,
          consumer_type: r.consumerType ?? null, created_at: now, updated_at: now }).execute();
      } catch (e) {
        if (isUniqueViolation(e)) throw consumerRace(r.consumer);
        throw e;
      }
    }
    await tx.insertInto('allocations').values(values).execute();
  }
  for (const [uuid, generation] of generations) {
    const r = await tx.updateTable('resource_providers').set({ generation: generation + 1, updated_at: now })
      .where('uuid', '=', uuid).where('generation', '=', generation).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new ProviderRace();
  }
}

function consumerRace(consumer: string): PlacementError {
  return conflict(`consumer generation conflict - the consumer ${consumer} was changed by another request`, ErrorCode.CONCURRENT_UPDATE);
}

/** Every requested amount must respect units and fit beside everyone else's usage. */
async function checkCapacity(tx: Transaction<PlacementTables>, requests: ConsumerAllocations[], providers: string[], classes: string[], consumers: string[]): Promise<void> {
  if (providers.length === 0) return;
  const inventories = await inventoriesBy(tx, { providers, classes });
  const usage = await usageBy(tx, { providers, classes, exceptConsumers: consumers });
  const wanted = new Map<string, number>();
  for (const r of requests) {
    for (const [provider, amounts] of r.allocations) {
      for (const [rc, n] of amounts) {
        const inv = inventories.get(provider)?.get(rc);
        if (!inv) throw conflict(`Unable to allocate inventory: Inventory for '${rc}' on resource provider '${provider}' invalid.`);
        if (!withinUnits(inv, n)) {
          throw conflict(`Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${provider}'. The requested amount would violate inventory constraints.`);
        }
        const key = `${provider} ${rc}`;
        wanted.set(key, (wanted.get(key) ?? 0) + n);
        if ((usage.get(provider)?.get(rc) ?? 0) + wanted.get(key)! > capacityOf(inv)) {
          throw conflict(`Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${provider}'. The requested amount would exceed the capacity.`);
        }
      }
    }
  }
}

/** Removes a consumer's allocations (DELETE /allocations/{c}); 404 when it has none. */
export async function deleteAllocations(svc: PlacementService, consumer: string): Promise<void> {
  await svc.db.transaction().execute(async (tx) => {
    const held = await tx.selectFrom('allocations').select('provider_uuid').distinct().where('consumer_uuid', '=', consumer).execute();
    if (held.length === 0) throw notFound(`No allocations for consumer '${consumer}'`);
    await tx.deleteFrom('allocations').where('consumer_uuid', '=', consumer).execute();
    await tx.deleteFrom('consumers').where('uuid', '=', consumer).execute();
    await tx.updateTable('resource_providers').set({ generation: sql<number>`generation + 1`, updated_at: svc.now() })
      .where('uuid', 'in', held.map((h) => h.provider_uuid)).execute();
  });
}

export interface ConsumerView {
  /** provider -> its generation and the amounts. */
  allocations: Map<string, { generation: number; resources: Map<string, number> }>;
  projectId?: string;
  userId?: string;
  generation?: number;
  consumerType?: string | null;
}

export async function consumerAllocations(svc: PlacementService, consumer: string): Promise<ConsumerView> {
  const rows = await svc.db.selectFrom('allocations')
    .innerJoin('resource_providers', 'resource_providers.uuid', 'allocations.provider_uuid')
    .select(['allocations.provider_uuid', 'allocations.resource_class', 'allocations.used', 'resource_providers.generation'])
    .where('allocations.consumer_uuid', '=', consumer).execute();
  const view: ConsumerView = { allocations: new Map() };
  for (const r of rows) {
    const entry = view.allocations.get(r.provider_uuid) ?? { generation: r.generation, resources: new Map<string, number>() };
    entry.resources.set(r.resource_class, r.used);
    view.allocations.set(r.provider_uuid, entry);
  }
  const c = await svc.db.selectFrom('consumers').selectAll().where('uuid', '=', consumer).executeTakeFirst();
  if (c) Object.assign(view, { projectId: c.project_id, userId: c.user_id, generation: c.generation, consumerType: c.consumer_type });
  return view;
}

/** consumer -> amounts, of one provider (GET /resource_providers/{uuid}/allocations). */
export async function providerAllocations(svc: PlacementService, provider: string): Promise<Map<string, Map<string, number>>> {
  const rows = await svc.db.selectFrom('allocations').select(['consumer_uuid', 'resource_class', 'used']).where('provider_uuid', '=', provider).execute();
  const out = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const m = out.get(r.consumer_uuid) ?? new Map<string, number>();
    m.set(r.resource_class, r.used);
    out.set(r.consumer_uuid, m);
  }
  return out;
}
