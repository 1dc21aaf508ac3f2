/**
 * Everything the metadata documents are made from, gathered once per instance (from the
 * compute database and the network service) so that building the documents is pure.
 * Nova's InstanceMetadata collects the same facts in its constructor.
 */
export interface MetadataSource {
  uuid: string;
  /** EC2 instance id, `i-` and the instance's row id in 8 hex digits (Nova's InstanceIdMapping). */
  ec2InstanceId: string;
  /** EC2 image id of the boot image, `ami-` and 8 hex digits; null when booted from a volume. */
  ec2ImageId: string | null;
  name: string;
  /** The host name the guest should take, with `[metadata] dhcp_domain` appended when set. */
  hostname: string;
  launchIndex: number;
  availabilityZone: string | null;
  projectId: string;
  reservationId: string;
  flavorName: string;
  /** EC2 block-device-mapping: ami, root, ephemeral0, swap, ... -> device. */
  blockDeviceMapping: Record<string, string>;
  securityGroups: string[];
  /** The server's metadata items (Nova's `meta`). */
  meta: Record<string, string>;
  /** user_data decoded from base64; null when the server has none. */
  userData: Buffer | null;
  /** The key pair the server was booted with, as recorded at boot. */
  key: { name: string; type: string; publicKey: string } | null;
  /** The encrypted password the guest posted, or null. */
  password: string | null;
  /** Files injected at boot or rebuild (personality), in order: served as /openstack/content/NNNN. */
  injectedFiles: Array<{ path: string; contents: Buffer }>;
  /** The server's ports in attach order. */
  vifs: VifFacts[];
  floatingIps: string[];
}

/** A port of the instance with what network_data.json shows of it. */
export interface VifFacts {
  portId: string;
  macAddress: string;
  /** Neutron's binding:vif_type (ovs, bridge, tap, ...); null when unbound. */
  vifType: string | null;
  networkId: string;
  /** The network's MTU. */
  mtu: number | null;
  /** Only the subnets the port has addresses on, as Nova's network model holds them. */
  subnets: SubnetFacts[];
  /**
   * Floating IPs pointing at the port, read from the network service: one associated
   * through the network API directly (as Tempest does) never passes through compute's
   * own cache, where Nova would learn it from Neutron's network-changed event.
   */
  floatingIps: string[];
}

export interface SubnetFacts {
  version: 4 | 6;
  cidr: string;
  gatewayIp: string | null;
  dnsNameservers: string[];
  hostRoutes: Array<{ destination: string; nexthop: string }>;
  /** The port's addresses on this subnet. */
  ips: string[];
  /** A DHCP server hands out the address (Nova's dhcp_server meta, set whenever enable_dhcp is). */
  dhcp: boolean;
  /** slaac, dhcpv6-stateful, dhcpv6-stateless, or null. */
  ipv6AddressMode: string | null;
}
