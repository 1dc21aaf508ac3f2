/** A network as the network service keeps it (Neutron's Network + its segment). */
export interface Network {
  id: string;
  projectId: string;
  name: string;
  description: string;
  adminStateUp: boolean;
  status: 'ACTIVE' | 'DOWN' | 'BUILD' | 'ERROR';
  shared: boolean;
  mtu: number;
  portSecurityEnabled: boolean;
  routerExternal: boolean;
  availabilityZoneHints: string[];
  networkType: 'local' | 'flat' | 'vlan' | 'vxlan';
  physicalNetwork: string | null;
  segmentationId: number | null;
  revisionNumber: number;
  createdAt: Date;
  updatedAt: Date;
  tags: string[];
}

/** VXLAN carries 50 bytes of headers (outer IPv4, UDP, VXLAN, inner Ethernet). */
export const VXLAN_OVERHEAD = 50;

export interface AllocationPool {
  start: string;
  end: string;
}

export interface HostRoute {
  destination: string;
  nexthop: string;
}

export type Ipv6Mode = 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless';

/** A subnet: an address range of a network with its DHCP and routing settings. */
export interface Subnet {
  id: string;
  projectId: string;
  networkId: string;
  name: string;
  description: string;
  ipVersion: 4 | 6;
  cidr: string;
  gatewayIp: string | null;
  allocationPools: AllocationPool[];
  dnsNameservers: string[];
  hostRoutes: HostRoute[];
  enableDhcp: boolean;
  ipv6RaMode: Ipv6Mode | null;
  ipv6AddressMode: Ipv6Mode | null;
  subnetpoolId: string | null;
  serviceTypes: string[];
  revisionNumber: number;
  createdAt: Date;
  updatedAt: Date;
  tags: string[];
}

export interface FixedIp {
  subnetId: string;
  ipAddress: string;
}

export interface AddressPair {
  ip_address: string;
  mac_address: string;
}

export interface ExtraDhcpOpt {
  opt_name: string;
  opt_value: string | null;
  ip_version: 4 | 6;
}

/** A port: a virtual NIC's place on a network, its addresses and its binding to a host. */
export interface Port {
  id: string;
  projectId: string;
  networkId: string;
  name: string;
  description: string;
  macAddress: string;
  adminStateUp: boolean;
  status: 'ACTIVE' | 'DOWN' | 'BUILD' | 'ERROR';
  deviceId: string;
  deviceOwner: string;
  fixedIps: FixedIp[];
  securityGroups: string[];
  portSecurityEnabled: boolean;
  allowedAddressPairs: AddressPair[];
  extraDhcpOpts: ExtraDhcpOpt[];
  binding: PortBinding;
  revisionNumber: number;
  createdAt: Date;
  updatedAt: Date;
  tags: string[];
}

export interface PortBinding {
  hostId: string;
  vnicType: string;
  vifType: string;
  vifDetails: Record<string, unknown>;
  profile: Record<string, unknown>;
}

/** A security group rule (Neutron's SecurityGroupRule). */
export interface SecurityGroupRule {
  id: string;
  projectId: string;
  securityGroupId: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  /** A protocol name or number as given (lower-case), null for any. */
  protocol: string | null;
  portRangeMin: number | null;
  portRangeMax: number | null;
  remoteIpPrefix: string | null;
  remoteGroupId: string | null;
  description: string;
  revisionNumber: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SecurityGroup {
  id: string;
  projectId: string;
  name: string;
  description: string;
  stateful: boolean;
  rules: SecurityGroupRule[];
  revisionNumber: number;
  createdAt: Date;
  updatedAt: Date;
  tags: string[];
}

/** A router: interfaces on project subnets, optionally a gateway on an external network. */
export interface Router {
  id: string;
  projectId: string;
  name: string;
  description: string;
  adminStateUp: boolean;
  status: 'ACTIVE' | 'DOWN' | 'ERROR';
  gwPortId: string | null;
  enableSnat: boolean;
  routes: HostRoute[];
  availabilityZoneHints: string[];
  revisionNumber: number;
  createdAt: Date;
  updatedAt: Date;
  tags: string[];
}

export interface FloatingIp {
  id: string;
  projectId: string;
  floatingNetworkId: string;
  floatingPortId: string;
  floatingIpAddress: string;
  fixedPortId: string | null;
  fixedIpAddress: string | null;
  routerId: string | null;
  status: 'ACTIVE' | 'DOWN' | 'ERROR';
  description: string;
  revisionNumber: number;
  createdAt: Date;
  updatedAt: Date;
  tags: string[];
}

/** Device owners of the ports the network service makes for itself. */
export const DEVICE_OWNER = {
  routerInterface: 'network:router_interface',
  routerGateway: 'network:router_gateway',
  floatingIp: 'network:floatingip',
  dhcp: 'network:dhcp',
} as const;

/** A subnet pool: prefixes from which subnets get their cidrs. */
export interface SubnetPool {
  id: string;
  projectId: string;
  name: string;
  description: string;
  ipVersion: 4 | 6;
  prefixes: string[];
  defaultPrefixlen: number;
  minPrefixlen: number;
  maxPrefixlen: number;
  shared: boolean;
  isDefault: boolean;
  defaultQuota: number | null;
  revisionNumber: number;
  createdAt: Date;
  updatedAt: Date;
  tags: string[];
}
