import type { Generated, Selectable } from 'kysely';

/** Kysely table types of the compute service's database. */
export interface ComputeTables {
  flavors: FlavorTable;
  flavor_extra_specs: { flavor_id: number; key: string; value: string };
  /** Projects that may use a private flavor. */
  flavor_projects: { flavor_id: number; project_id: string };
  key_pairs: KeyPairTable;
  services: ServiceTable;
  compute_nodes: ComputeNodeTable;
}

export interface FlavorTable {
  /** Internal id; clients see `flavorid`. */
  id: Generated<number>;
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  vcpu_weight: number | null;
  disabled: number;
  is_public: number;
  description: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface KeyPairTable {
  id: Generated<number>;
  name: string;
  user_id: string;
  fingerprint: string;
  public_key: string;
  /** "ssh" or "x509". */
  type: string;
  created_at: string;
}

export type FlavorRow = Selectable<FlavorTable>;
export type KeyPairRow = Selectable<KeyPairTable>;

export interface ServiceTable {
  id: Generated<number>;
  uuid: string;
  host: string;
  /** nova-compute, nova-scheduler, nova-conductor. */
  binary: string;
  topic: string | null;
  report_count: number;
  disabled: number;
  disabled_reason: string | null;
  forced_down: number;
  /** The last heartbeat; a service is up while it is within service_down_time. */
  last_seen_up: string | null;
  version: number;
  created_at: string;
  updated_at: string | null;
}

export interface ComputeNodeTable {
  id: Generated<number>;
  uuid: string;
  service_id: number;
  host: string;
  hypervisor_hostname: string;
  hypervisor_type: string;
  hypervisor_version: number;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  running_vms: number;
  /** JSON. */
  cpu_info: string;
  host_ip: string;
  cpu_allocation_ratio: number;
  ram_allocation_ratio: number;
  disk_allocation_ratio: number;
  created_at: string;
  updated_at: string | null;
}

export type ServiceRow = Selectable<ServiceTable>;
export type ComputeNodeRow = Selectable<ComputeNodeTable>;
