import type { PlacementService } from '../service.js';
import { bumpGeneration, requireProvider } from './providers.js';

export async function providerAggregates(svc: PlacementService, uuid: string): Promise<{ aggregates: string[]; generation: number }> {
  const provider = await requireProvider(svc.db, uuid);
  const rows = await svc.db.selectFrom('provider_aggregates').select('aggregate_uuid').where('provider_uuid', '=', uuid).execute();
  return { aggregates: rows.map((r) => r.aggregate_uuid).sort(), generation: provider.generation };
}

/**
 * Replaces a provider's aggregates. From 1.19 the caller names the generation it saw
 * (a mismatch is a 409); before, the write is unconditional.
 */
export async function setProviderAggregates(svc: PlacementService, uuid: string, aggregates: string[], generation: number | undefined): Promise<number> {
  const provider = await requireProvider(svc.db, uuid);
  return svc.db.transaction().execute(async (tx) => {
    const next = await bumpGeneration(tx, uuid, generation ?? provider.generation, svc.now());
    await tx.deleteFrom('provider_aggregates').where('provider_uuid', '=', uuid).execute();
    const unique = [...new Set(aggregates)];
    if (unique.length > 0) await tx.insertInto('provider_aggregates').values(unique.map((aggregate_uuid) => ({ provider_uuid: uuid, aggregate_uuid }))).execute();
    return next;
  });
}
