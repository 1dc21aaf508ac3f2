import type { AddressPair, ExtraDhcpOpt, HostRoute, Ipv6Mode, SecurityGroupRule } from '../model.js';

/**
 * The dataplane: what a network agent does to its host so that the network service's
 * objects carry packets, after Neutron's agent drivers. The agent receives desired
 * state from the service over the bus and hands it to a HostDataplane; the real one
 * (Linux bridges, VXLAN, nftables, dnsmasq: issue 7) and the noop one implement it.
 */

/** Everything a host needs to wire one port bound to it. */
export interface PortWiring {
  portId: string;
  networkId: string;
  host: string;
  macAddress: string;
  mtu: number;
  segment: { networkType: string; physicalNetwork: string | null; segmentationId: number | null };
  fixedIps: Array<{ subnetId: string; ipAddress: string }>;
  deviceId: string;
  deviceOwner: string;
  adminStateUp: boolean;
  portSecurityEnabled: boolean;
  securityGroupIds: string[];
  allowedAddressPairs: AddressPair[];
}

/** A security group as a filter needs it: its rules, and its members' addresses for remote-group rules. */
export interface GroupFilter {
  id: string;
  stateful: boolean;
  rules: Array<Pick<SecurityGroupRule, 'direction' | 'ethertype' | 'protocol' | 'portRangeMin' | 'portRangeMax' | 'remoteIpPrefix' | 'remoteGroupId'>>;
  memberIps: string[];
}

/** A subnet a DHCP server hands addresses out of (only subnets with enable_dhcp). */
export interface DhcpSubnet {
  id: string;
  cidr: string;
  ipVersion: 4 | 6;
  gatewayIp: string | null;
  dnsNameservers: string[];
  hostRoutes: HostRoute[];
  ipv6AddressMode: Ipv6Mode | null;
  ipv6RaMode: Ipv6Mode | null;
}

/** One port a DHCP server answers: its MAC, its addresses in DHCP subnets, the name it is given. */
export interface DhcpHost {
  portId: string;
  macAddress: string;
  fixedIps: Array<{ subnetId: string; ipAddress: string }>;
  /** `host-10-0-0-5` (Neutron's default) or the port's dns_name. */
  hostname: string;
  extraDhcpOpts: ExtraDhcpOpt[];
}

/**
 * What the DHCP server of one network serves (Neutron's DHCP agent's view of a
 * network): every port of the network, wherever it is bound, because DHCP answers
 * the whole broadcast domain. No subnets means the network needs no DHCP server.
 */
export interface DhcpNetwork {
  networkId: string;
  mtu: number;
  subnets: DhcpSubnet[];
  hosts: DhcpHost[];
}

/** A DHCP network with the port this host's server sits on (made by the service on the agent's request). */
export interface DhcpServer extends DhcpNetwork {
  port: PortWiring;
}

/** A subnet a router port sits on: the port's addresses take its prefix length. */
export interface RouterSubnet {
  id: string;
  cidr: string;
  gatewayIp: string | null;
  /** IPv6 only: what the router's advertisements announce (null: the router sends none for this subnet). */
  ipv6RaMode: Ipv6Mode | null;
  /** IPv6 only: how guests get their addresses (null on IPv4 subnets). */
  ipv6AddressMode: Ipv6Mode | null;
}

/** A router's port (interface or gateway) with its network's wiring and its subnets. */
export interface RouterPort {
  port: PortWiring;
  subnets: RouterSubnet[];
}

/**
 * What a router is on the host that runs it (Neutron's L3 agent's router info): its
 * interfaces on tenant networks, its gateway on an external network, static routes,
 * and the floating IPs it translates.
 */
export interface RouterWiring {
  routerId: string;
  enableSnat: boolean;
  gateway: RouterPort | null;
  interfaces: RouterPort[];
  routes: HostRoute[];
  floatingIps: Array<{ floatingIp: string; fixedIp: string }>;
}

/** The whole desired state of one host: what reconcile makes true and everything else it removes. */
export interface HostState {
  host: string;
  ports: PortWiring[];
  groups: GroupFilter[];
  /** VXLAN endpoints (tunneling IPs) of the other hosts' agents, flooded to for every VXLAN network. */
  tunnelPeers: string[];
  /** Networks needing a DHCP server, for an agent with the DHCP role (empty otherwise). */
  dhcpNetworks: DhcpNetwork[];
  /** Routers to run, for an agent with the L3 role (empty otherwise). */
  routers: RouterWiring[];
}

export interface HostDataplane {
  /** Reported in the agent's configurations (`noop`, `linux`). */
  readonly kind: string;
  /**
   * Makes ports real on this host, filters included (a burst of ports is wired with one
   * filter update); idempotent. Returns the ids of the ports now plugged: a port that
   * could not be wired is left out (and logged), the others go on.
   */
  plugPorts(ports: PortWiring[], groups: GroupFilter[]): Promise<string[]>;
  /** Removes what plugPorts made for these ports; idempotent. */
  unplugPorts(ports: Array<{ portId: string; networkId: string }>): Promise<void>;
  /** Brings the filters of every plugged port in line with changed groups. */
  updateGroups(groups: GroupFilter[]): Promise<void>;
  /** The other hosts' VXLAN endpoints changed: flood entries follow. */
  updateTunnelPeers(peers: string[]): Promise<void>;
  /** Starts or reconfigures the DHCP servers of these networks on this host (their ports plugged first). */
  syncDhcpServers(servers: DhcpServer[]): Promise<void>;
  /** Stops the DHCP server of a network and removes what it made; idempotent. */
  removeDhcp(networkId: string): Promise<void>;
  /** Starts or reconfigures routers on this host (namespaces, ports, routes, NAT); idempotent. */
  syncRouters(routers: RouterWiring[]): Promise<void>;
  /** Removes a router from this host; idempotent. */
  removeRouter(routerId: string): Promise<void>;
  /**
   * Makes the host match `state` exactly, removing what it no longer holds. DHCP
   * servers listed in `dhcp` and the state's routers run; every other DHCP server and
   * router this dataplane made goes.
   */
  reconcile(state: HostState, dhcp: DhcpServer[]): Promise<void>;
  /** The agent is stopping: a batch in progress ends after its current step (the next start reconciles). */
  interrupt?(): void;
  close(): Promise<void>;
}
