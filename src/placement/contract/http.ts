import { JsonApiClient, RemoteApiError, type TokenSource } from '../../core/http/index.js';
import type { AllocationMap, CandidateRequest, Candidates, ClaimResult, ConsumerClaim, InventoryRecord, PlacementClient } from './client.js';

/** The microversion this client speaks: consumer types (1.38) and any-of traits (1.39) included. */
const VERSION = 'placement 1.39';

type ProviderView = { generation: number };
type CandidatesView = {
  allocation_requests: Array<{ allocations: Record<string, { resources: Record<string, number> }> }>;
  provider_summaries: Record<string, { resources: Record<string, { capacity: number; used: number }>; traits?: string[]; root_provider_uuid: string }>;
};
type AllocationsView = { allocations: Record<string, { resources: Record<string, number> }>; consumer_generation?: number };

const isStatus = (e: unknown, ...statuses: number[]): boolean => e instanceof RemoteApiError && statuses.includes(e.status);

/** A 409 that means "someone else moved the generation first": try again with the new one. */
function isGenerationRace(e: unknown): boolean {
  if (!isStatus(e, 409)) return false;
  const errors = ((e as RemoteApiError).body as { errors?: Array<{ code?: string }> } | undefined)?.errors ?? [];
  return errors.some((x) => x.code === 'placement.concurrent_update');
}

/**
 * Placement over HTTP, for a compute controller on another machine than Placement.
 * It behaves as InProcessPlacementClient does: provider writes retry generation races,
 * claims answer conflicts instead of throwing, deletes of what is gone are fine.
 */
export class HttpPlacementClient implements PlacementClient {
  private readonly http: JsonApiClient;

  constructor(baseUrl: string, token: TokenSource) {
    this.http = new JsonApiClient(baseUrl.replace(/\/+$/, ''), token, 'placement', { 'openstack-api-version': VERSION });
  }

  async ensureProvider(uuid: string, name: string, parentUuid?: string): Promise<void> {
    if (await this.generation(uuid).catch((e: unknown) => { if (isStatus(e, 404)) return null; throw e; }) !== null) return;
    try {
      await this.http.request('POST', '/resource_providers', { uuid, name, ...(parentUuid ? { parent_provider_uuid: parentUuid } : {}) });
    } catch (e) {
      // Created meanwhile by a concurrent registration: that is what we wanted.
      if (!isStatus(e, 409) || (await this.generation(uuid).catch(() => null)) === null) throw e;
    }
  }

  async setInventory(uuid: string, inventory: Record<string, InventoryRecord>): Promise<void> {
    await this.withGenerationRetry(uuid, (generation) => this.http.request('PUT', `/resource_providers/${uuid}/inventories`, { resource_provider_generation: generation, inventories: inventory }));
  }

  async setTraits(uuid: string, traits: string[]): Promise<void> {
    for (const t of traits.filter((t) => t.startsWith('CUSTOM_'))) await this.http.request('PUT', `/traits/${encodeURIComponent(t)}`);
    await this.withGenerationRetry(uuid, (generation) => this.http.request('PUT', `/resource_providers/${uuid}/traits`, { resource_provider_generation: generation, traits }));
  }

  async setAggregates(uuid: string, aggregates: string[]): Promise<void> {
    await this.withGenerationRetry(uuid, (generation) => this.http.request('PUT', `/resource_providers/${uuid}/aggregates`, { resource_provider_generation: generation, aggregates }));
  }

  async deleteProvider(uuid: string): Promise<void> {
    await this.http.request('DELETE', `/resource_providers/${uuid}`).catch((e: unknown) => { if (!isStatus(e, 404)) throw e; });
  }

  async allocationCandidates(request: CandidateRequest): Promise<Candidates> {
    const q = new URLSearchParams({ resources: Object.entries(request.resources).map(([rc, n]) => `${rc}:${n}`).join(',') });
    const traits = [...(request.requiredTraits ?? []), ...(request.forbiddenTraits ?? []).map((t) => `!${t}`)];
    if (traits.length > 0) q.set('required', traits.join(','));
    for (const any of request.memberOf ?? []) q.append('member_of', `in:${any.join(',')}`);
    if (request.inTree) q.set('in_tree', request.inTree);
    if (request.limit !== undefined) q.set('limit', String(request.limit));
    const view = await this.http.request<CandidatesView>('GET', `/allocation_candidates?${q.toString()}`);
    return {
      requests: view.allocation_requests.map((r) => Object.fromEntries(Object.entries(r.allocations).map(([p, a]) => [p, a.resources]))),
      summaries: Object.fromEntries(Object.entries(view.provider_summaries).map(([p, s]) => [p, { resources: s.resources, traits: s.traits ?? [], rootProviderUuid: s.root_provider_uuid }])),
    };
  }

  async claim(claims: ConsumerClaim[]): Promise<ClaimResult> {
    const body = Object.fromEntries(claims.map((c) => [c.consumer, {
      allocations: Object.fromEntries(Object.entries(c.allocations).map(([p, resources]) => [p, { resources }])),
      project_id: c.projectId, user_id: c.userId, consumer_generation: c.consumerGeneration, consumer_type: c.consumerType ?? 'INSTANCE',
    }]));
    try {
      await this.http.request('POST', '/allocations', body);
      return { ok: true };
    } catch (e) {
      if (isStatus(e, 409)) return { ok: false, conflict: true, message: (e as Error).message };
      throw e;
    }
  }

  async allocationsOf(consumer: string): Promise<{ allocations: AllocationMap; generation: number | null }> {
    const view = await this.http.request<AllocationsView>('GET', `/allocations/${consumer}`);
    const allocations: AllocationMap = Object.fromEntries(Object.entries(view.allocations).map(([p, a]) => [p, a.resources]));
    return { allocations, generation: Object.keys(allocations).length > 0 ? view.consumer_generation ?? null : null };
  }

  async deleteAllocations(consumer: string): Promise<void> {
    await this.http.request('DELETE', `/allocations/${consumer}`).catch((e: unknown) => { if (!isStatus(e, 404)) throw e; });
  }

  private async generation(uuid: string): Promise<number> {
    return (await this.http.request<ProviderView>('GET', `/resource_providers/${uuid}`)).generation;
  }

  /** A provider write at its current generation, again with the new one when another writer got there first. */
  private async withGenerationRetry(uuid: string, write: (generation: number) => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write(await this.generation(uuid));
        return;
      } catch (e) {
        if (!isGenerationRace(e) || attempt >= 10) throw e;
      }
    }
  }
}
