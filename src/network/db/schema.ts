/** Kysely table types of the network service's database. */
export interface NetworkTables {
  networks: NetworkRow;
  resource_tags: { resource_id: string; tag: string };
  subnets: SubnetRow;
  ports: PortRow;
  ip_allocations: IpAllocationRow;
  port_security_groups: { port_id: string; security_group_id: string };
  security_groups: SecurityGroupRow;
  default_security_groups: { project_id: string; security_group_id: string };
  security_group_rules: SecurityGroupRuleRow;
  routers: RouterRow;
  floating_ips: FloatingIpRow;
  quotas: { project_id: string; resource: string; hard_limit: number };
  agents: AgentRow;
  subnetpools: SubnetPoolRow;
}

export interface SubnetPoolRow {
  id: string;
  project_id: string;
  name: string;
  description: string;
  ip_version: number;
  /** JSON array of CIDRs. */
  prefixes: string;
  default_prefixlen: number;
  min_prefixlen: number;
  max_prefixlen: number;
  shared: number;
  is_default: number;
  default_quota: number | null;
  revision_number: number;
  created_at: string;
  updated_at: string;
}

export interface AgentRow {
  id: string;
  agent_type: string;
  binary: string;
  topic: string;
  host: string;
  availability_zone: string | null;
  admin_state_up: number;
  description: string | null;
  configurations: string;
  created_at: string;
  started_at: string;
  heartbeat_timestamp: string;
}

export interface RouterRow {
  id: string;
  project_id: string;
  name: string;
  description: string;
  admin_state_up: number;
  status: string;
  gw_port_id: string | null;
  enable_snat: number;
  /** JSON [{destination, nexthop}]. */
  routes: string;
  /** JSON array of availability zone names. */
  availability_zone_hints: string;
  revision_number: number;
  created_at: string;
  updated_at: string;
}

export interface FloatingIpRow {
  id: string;
  project_id: string;
  floating_network_id: string;
  floating_port_id: string;
  floating_ip_address: string;
  fixed_port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
  description: string;
  revision_number: number;
  created_at: string;
  updated_at: string;
}

export interface SecurityGroupRow {
  id: string;
  project_id: string;
  name: string;
  description: string;
  stateful: number;
  revision_number: number;
  created_at: string;
  updated_at: string;
}

export interface SecurityGroupRuleRow {
  id: string;
  project_id: string;
  security_group_id: string;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string;
  fingerprint: string;
  revision_number: number;
  created_at: string;
  updated_at: string;
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

export interface SubnetRow {
  id: string;
  project_id: string;
  network_id: string;
  name: string;
  description: string;
  ip_version: number;
  cidr: string;
  gateway_ip: string | null;
  /** JSON [{start, end}]. */
  allocation_pools: string;
  /** JSON array of addresses, in the order given. */
  dns_nameservers: string;
  /** JSON [{destination, nexthop}]. */
  host_routes: string;
  enable_dhcp: number;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  subnetpool_id: string | null;
  /** JSON array of device owners. */
  service_types: string;
  revision_number: number;
  created_at: string;
  updated_at: string;
}

export interface PortRow {
  id: string;
  project_id: string;
  network_id: string;
  name: string;
  description: string;
  mac_address: string;
  admin_state_up: number;
  status: string;
  device_id: string;
  device_owner: string;
  port_security_enabled: number;
  /** JSON [{ip_address, mac_address}]. */
  allowed_address_pairs: string;
  /** JSON [{opt_name, opt_value, ip_version}]. */
  extra_dhcp_opts: string;
  binding_host_id: string;
  binding_vnic_type: string;
  binding_vif_type: string;
  /** JSON object. */
  binding_vif_details: string;
  /** JSON object. */
  binding_profile: string;
  revision_number: number;
  created_at: string;
  updated_at: string;
}

export interface IpAllocationRow {
  port_id: string;
  subnet_id: string;
  network_id: string;
  ip_address: string;
}
