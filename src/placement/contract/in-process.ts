import { consumerAllocations, deleteAllocations, writeAllocations } from '../domain/allocations.js';
import { findCandidates } from '../domain/candidates.js';
import { setProviderAggregates } from '../domain/aggregates.js';
import { capacityOf } from '../domain/capacity.js';
import { replaceInventories } from '../domain/inventories.js';
import { NO_AGGREGATES, NO_TRAITS } from '../domain/provider-facts.js';
import { createProvider, deleteProvider, findProvider } from '../domain/providers.js';
import { createTrait, setProviderTraits, isStandardTrait } from '../domain/traits.js';
import { ErrorCode, PlacementError } from '../errors.js';
import type { PlacementService } from '../service.js';
import type { AllocationMap, CandidateRequest, Candidates, ClaimResult, ConsumerClaim, InventoryRecord, PlacementClient } from './client.js';

/** Retries a write that lost a provider-generation race (another writer moved it first). */
async function withGenerationRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (!(e instanceof PlacementError && e.code === ErrorCode.CONCURRENT_UPDATE) || attempt >= 10) throw e;
    }
  }
}

const toMap = (m: AllocationMap): Map<string, Map<string, number>> => new Map(Object.entries(m).map(([p, r]) => [p, new Map(Object.entries(r))]));

/** Placement called directly in the same process (the all-in-one). */
export class InProcessPlacementClient implements PlacementClient {
  constructor(private readonly svc: PlacementService) {}

  async ensureProvider(uuid: string, name: string, parentUuid?: string): Promise<void> {
    if (await findProvider(this.svc.db, uuid)) return;
    try {
      await createProvider(this.svc, { uuid, name, ...(parentUuid ? { parent_provider_uuid: parentUuid } : {}) });
    } catch (e) {
      // Created meanwhile by a concurrent registration: that is what we wanted.
      if (!(e instanceof PlacementError && e.status === 409 && (await findProvider(this.svc.db, uuid)))) throw e;
    }
  }

  async setInventory(uuid: string, inventory: Record<string, InventoryRecord>): Promise<void> {
    await withGenerationRetry(async () => {
      const provider = (await findProvider(this.svc.db, uuid))!;
      await replaceInventories(this.svc, uuid, new Map(Object.entries(inventory)), { generation: provider.generation, reservedMayEqualTotal: true });
    });
  }

  async setTraits(uuid: string, traits: string[]): Promise<void> {
    for (const t of traits) if (!isStandardTrait(t)) await createTrait(this.svc, t);
    await withGenerationRetry(async () => {
      const provider = (await findProvider(this.svc.db, uuid))!;
      await setProviderTraits(this.svc, uuid, traits, provider.generation);
    });
  }

  async setAggregates(uuid: string, aggregates: string[]): Promise<void> {
    await withGenerationRetry(async () => {
      const provider = (await findProvider(this.svc.db, uuid))!;
      await setProviderAggregates(this.svc, uuid, aggregates, provider.generation);
    });
  }

  async deleteProvider(uuid: string): Promise<void> {
    if (await findProvider(this.svc.db, uuid)) await deleteProvider(this.svc, uuid);
  }

  async allocationCandidates(request: CandidateRequest): Promise<Candidates> {
    const result = await findCandidates(this.svc, {
      groups: [{
        suffix: '', resources: new Map(Object.entries(request.resources)),
        traits: { ...NO_TRAITS, required: request.requiredTraits ?? [], forbidden: request.forbiddenTraits ?? [] },
        memberOf: request.memberOf ? { anyOf: request.memberOf, forbidden: [] } : NO_AGGREGATES,
        ...(request.inTree ? { inTree: request.inTree } : {}),
      }],
      groupPolicy: 'none', rootTraits: NO_TRAITS, sameSubtree: [], nested: true, ...(request.limit !== undefined ? { limit: request.limit } : {}),
    });
    const summaries: Candidates['summaries'] = {};
    for (const f of result.summaries) {
      summaries[f.row.uuid] = {
        resources: Object.fromEntries([...f.inventories].map(([rc, inv]) => [rc, { capacity: capacityOf(inv), used: f.usage.get(rc) ?? 0 }])),
        traits: [...f.traits], rootProviderUuid: f.row.root_uuid,
      };
    }
    return {
      requests: result.candidates.map((c) => Object.fromEntries([...c.allocations].map(([p, a]) => [p, Object.fromEntries(a)]))),
      summaries,
    };
  }

  async claim(claims: ConsumerClaim[]): Promise<ClaimResult> {
    try {
      await writeAllocations(this.svc, claims.map((c) => ({
        consumer: c.consumer, projectId: c.projectId, userId: c.userId, consumerGeneration: c.consumerGeneration,
        consumerType: c.consumerType ?? 'INSTANCE', allocations: toMap(c.allocations),
      })));
      return { ok: true };
    } catch (e) {
      if (e instanceof PlacementError && e.status === 409) return { ok: false, conflict: true, message: e.message };
      throw e;
    }
  }

  async allocationsOf(consumer: string): Promise<{ allocations: AllocationMap; generation: number | null }> {
    const view = await consumerAllocations(this.svc, consumer);
    return {
      allocations: Object.fromEntries([...view.allocations].map(([p, a]) => [p, Object.fromEntries(a.resources)])),
      generation: view.generation ?? null,
    };
  }

  async deleteAllocations(consumer: string): Promise<void> {
    try {
      await deleteAllocations(this.svc, consumer);
    } catch (e) {
      if (!(e instanceof PlacementError && e.status === 404)) throw e;
    }
  }
}
