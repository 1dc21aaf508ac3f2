/**
 * What other services (the compute scheduler, conductor and agents) ask of Placement.
 * Two implementations: in-process (the all-in-one) and HTTP (split deployments); both
 * behave the same, including the conflict answers a scheduler retries on.
 */

/** Amounts per resource class. */
export type Resources = Record<string, number>;

/** Amounts per provider. */
export type AllocationMap = Record<string, Resources>;

export interface InventoryRecord {
  total: number;
  reserved?: number;
  allocation_ratio?: number;
  min_unit?: number;
  max_unit?: number;
  step_size?: number;
}

export interface CandidateRequest {
  resources: Resources;
  requiredTraits?: string[];
  forbiddenTraits?: string[];
  /** Each inner list: the provider (or its root) must be in one of these aggregates. */
  memberOf?: string[][];
  inTree?: string;
  limit?: number;
}

export interface ProviderSummary {
  resources: Record<string, { capacity: number; used: number }>;
  traits: string[];
  rootProviderUuid: string;
}

export interface Candidates {
  requests: AllocationMap[];
  summaries: Record<string, ProviderSummary>;
}

export interface ConsumerClaim {
  consumer: string;
  allocations: AllocationMap;
  projectId: string;
  userId: string;
  /** null for a new consumer; the current generation when replacing. */
  consumerGeneration: number | null;
  consumerType?: string;
}

/** The outcome of a claim: `conflict` when capacity or a generation moved (try another candidate). */
export type ClaimResult = { ok: true } | { ok: false; conflict: true; message: string };

export interface PlacementClient {
  /** Creates the provider if it does not exist (a compute node registering); idempotent. */
  ensureProvider(uuid: string, name: string, parentUuid?: string): Promise<void>;
  /** Replaces the provider's inventory, retrying on generation conflicts. */
  setInventory(uuid: string, inventory: Record<string, InventoryRecord>): Promise<void>;
  /** Replaces the provider's traits (custom ones are created as needed). */
  setTraits(uuid: string, traits: string[]): Promise<void>;
  /** Replaces the provider's aggregates. */
  setAggregates(uuid: string, aggregates: string[]): Promise<void>;
  deleteProvider(uuid: string): Promise<void>;
  allocationCandidates(request: CandidateRequest): Promise<Candidates>;
  /** Writes the allocations of one or more consumers atomically (a boot claim, a migration swap). */
  claim(claims: ConsumerClaim[]): Promise<ClaimResult>;
  /** The consumer's allocations and generation (null when it has none). */
  allocationsOf(consumer: string): Promise<{ allocations: AllocationMap; generation: number | null }>;
  /** Removes a consumer's allocations; no error when it has none. */
  deleteAllocations(consumer: string): Promise<void>;
}
