/** Nova's quota resources with their [quota] option defaults. */
export const DEFAULT_QUOTAS = {
  instances: 10, cores: 20, ram: 51200, metadata_items: 128, key_pairs: 100, server_groups: 10, server_group_members: 10,
  injected_files: 5, injected_file_content_bytes: 10240, injected_file_path_bytes: 255,
} as const;

export type QuotaResource = keyof typeof DEFAULT_QUOTAS;

/** What the compute service needs from its configuration, already resolved. */
export interface ComputeSettings {
  /** Limits of projects without their own; -1 is unlimited. */
  defaultQuotas: Readonly<Record<QuotaResource, number>>;
  /** Availability zone of hosts in no aggregate with one ([DEFAULT] default_availability_zone). */
  defaultAvailabilityZone: string;
  /** Zone shown for the controller's services ([DEFAULT] internal_service_availability_zone). */
  internalAvailabilityZone: string;
  /** Seconds without a heartbeat after which a service is down ([DEFAULT] service_down_time). */
  serviceDownTime: number;
  /** Seconds between an agent's heartbeats ([DEFAULT] report_interval). */
  reportInterval: number;
  /** Overcommit of new compute nodes (Nova's initial_*_allocation_ratio). */
  cpuAllocationRatio: number;
  ramAllocationRatio: number;
  diskAllocationRatio: number;
  /** Memory kept for the host itself ([DEFAULT] reserved_host_memory_mb). */
  reservedHostMemoryMb: number;
  /** A resize may pick the instance's own host ([DEFAULT] allow_resize_to_same_host). */
  allowResizeToSameHost: boolean;
  /** Seconds before a finished resize is confirmed automatically; 0 never ([DEFAULT] resize_confirm_window). */
  resizeConfirmWindow: number;
  /** Seconds a shelved instance keeps its host; 0 offload at once, -1 never ([DEFAULT] shelved_offload_time). */
  shelvedOffloadTime: number;
  /** VNC consoles offered ([vnc] enabled). */
  vncEnabled: boolean;
  /** What console URLs start with ([vnc] novncproxy_base_url). */
  novncProxyBaseUrl: string;
  /** Seconds a console token is valid ([consoleauth] token_ttl). */
  consoleTokenTtl: number;
}

/** Nova's defaults for the settings above (besides quotas and zones). */
export const DEFAULT_COMPUTE_TUNING = {
  internalAvailabilityZone: 'internal', serviceDownTime: 60, reportInterval: 10,
  cpuAllocationRatio: 16.0, ramAllocationRatio: 1.5, diskAllocationRatio: 1.0, reservedHostMemoryMb: 512,
  allowResizeToSameHost: true, resizeConfirmWindow: 0, shelvedOffloadTime: 0,
  vncEnabled: true, novncProxyBaseUrl: 'http://127.0.0.1:6080/vnc_auto.html', consoleTokenTtl: 600,
} as const;
