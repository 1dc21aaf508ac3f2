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
  instances: InstanceTable;
  instance_metadata: { instance_uuid: string; key: string; value: string };
  instance_tags: { instance_uuid: string; tag: string };
  instance_faults: InstanceFaultTable;
  instance_actions: InstanceActionTable;
  instance_action_events: InstanceActionEventTable;
  quotas: { project_id: string; user_id: string; resource: string; hard_limit: number };
  server_groups: { id: Generated<number>; uuid: string; name: string; project_id: string; user_id: string; policy: string; rules: string; created_at: string };
  server_group_members: { group_uuid: string; instance_uuid: string };
  aggregates: { id: Generated<number>; uuid: string; name: string; created_at: string; updated_at: string | null };
  aggregate_hosts: { aggregate_id: number; host: string };
  aggregate_metadata: { aggregate_id: number; key: string; value: string };
  migrations: MigrationTable;
  console_auth_tokens: ConsoleAuthTokenTable;
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
  /** Builds failed here in a row; reset by a successful one. */
  failed_builds: Generated<number>;
}

export type ServiceRow = Selectable<ServiceTable>;
export type ComputeNodeRow = Selectable<ComputeNodeTable>;

export interface InstanceTable {
  id: Generated<number>;
  uuid: string;
  project_id: string;
  user_id: string;
  display_name: string;
  display_description: string | null;
  hostname: string;
  /** The compute host running it (null until scheduled). */
  host: string | null;
  node: string | null;
  /** The zone asked for (or the host's zone once scheduled). */
  availability_zone: string | null;
  vm_state: string;
  task_state: string | null;
  power_state: number;
  /** JSON FlavorSnapshot. */
  flavor: string;
  vcpus: number;
  memory_mb: number;
  image_ref: string | null;
  key_name: string | null;
  key_data: string | null;
  user_data: string | null;
  config_drive: number;
  access_ip_v4: string | null;
  access_ip_v6: string | null;
  /** 'owner' or 'admin' when locked. */
  locked_by: string | null;
  reservation_id: string;
  launch_index: number;
  launched_at: string | null;
  terminated_at: string | null;
  progress: number;
  root_device_name: string | null;
  security_groups: string;
  requested_networks: string;
  network_info: string;
  system_metadata: string;
  scheduler_hints: string;
  created_at: string;
  updated_at: string | null;
  deleted_at: string | null;
}

export interface InstanceFaultTable {
  id: Generated<number>;
  instance_uuid: string;
  code: number;
  message: string;
  details: string;
  host: string | null;
  created_at: string;
}

export interface InstanceActionTable {
  id: Generated<number>;
  instance_uuid: string;
  action: string;
  request_id: string;
  user_id: string;
  project_id: string;
  start_time: string;
  finish_time: string | null;
  message: string | null;
  updated_at: string | null;
}

export interface InstanceActionEventTable {
  id: Generated<number>;
  action_id: number;
  event: string;
  start_time: string;
  finish_time: string | null;
  result: string | null;
  traceback: string | null;
  host: string | null;
  details: string | null;
}

export type InstanceRow = Selectable<InstanceTable>;

export interface MigrationTable {
  id: Generated<number>;
  uuid: string;
  instance_uuid: string;
  /** resize, migration, live-migration or evacuation. */
  migration_type: string;
  status: string;
  source_compute: string | null;
  source_node: string | null;
  dest_compute: string | null;
  dest_node: string | null;
  dest_host: string | null;
  old_instance_type_id: number | null;
  new_instance_type_id: number | null;
  project_id: string | null;
  user_id: string | null;
  memory_total: number | null;
  memory_processed: number | null;
  memory_remaining: number | null;
  disk_total: number | null;
  disk_processed: number | null;
  disk_remaining: number | null;
  created_at: string;
  updated_at: string | null;
}

export type MigrationRow = Selectable<MigrationTable>;

export interface ConsoleAuthTokenTable {
  id: Generated<number>;
  token_hash: string;
  console_type: string;
  host: string;
  port: number;
  internal_access_path: string | null;
  instance_uuid: string;
  access_url_base: string;
  expires: string;
}
