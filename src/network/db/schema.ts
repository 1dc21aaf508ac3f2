/** Kysely table types of the network service's database. */
export interface NetworkTables {
  networks: NetworkRow;
  network_tags: { network_id: string; tag: string };
}

export interface NetworkRow {
  id: string;
  project_id: string;
  name: string;
  description: string;
  admin_state_up: number;
  status: string;
  shared: number;
  mtu: number;
  port_security_enabled: number;
  router_external: number;
  /** JSON array of availability zone names. */
  availability_zone_hints: string;
  network_type: string;
  /** '' when the network type has none, so the segment unique index also covers vxlan. */
  physical_network: string;
  segmentation_id: number | null;
  revision_number: number;
  created_at: string;
  updated_at: string;
}
