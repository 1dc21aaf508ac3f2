/** Kysely table types of the placement service's database. */
export interface PlacementTables {
  resource_providers: ProviderRow;
  inventories: InventoryRow;
  /** Custom resource classes only; the standard ones live in code (domain/resource-classes). */
  resource_classes: { name: string; created_at: string; updated_at: string };
  /** Custom traits only; the standard ones live in code (data/standard-traits). */
  traits: { name: string; created_at: string };
  provider_traits: { provider_uuid: string; trait: string };
  provider_aggregates: { provider_uuid: string; aggregate_uuid: string };
  consumers: ConsumerRow;
  allocations: AllocationRow;
}

export interface ProviderRow {
  uuid: string;
  name: string;
  /** Bumped by every change to the provider's inventory, traits, aggregates or allocations. */
  generation: number;
  parent_uuid: string | null;
  /** The provider's own uuid when it is a root. */
  root_uuid: string;
  created_at: string;
  updated_at: string;
}

export interface InventoryRow {
  provider_uuid: string;
  resource_class: string;
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
  updated_at: string;
}

export interface ConsumerRow {
  uuid: string;
  project_id: string;
  user_id: string;
  /** Bumped by every change to the consumer's allocations (microversion 1.28). */
  generation: number;
  consumer_type: string | null;
  created_at: string;
  updated_at: string;
}

export interface AllocationRow {
  consumer_uuid: string;
  provider_uuid: string;
  resource_class: string;
  used: number;
  created_at: string;
}
