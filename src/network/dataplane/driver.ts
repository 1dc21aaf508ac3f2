import type { AddressPair, SecurityGroupRule } from '../model.js';

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

/** The whole desired state of one host: what reconcile makes true and everything else it removes. */
export interface HostState {
  host: string;
  ports: PortWiring[];
  groups: GroupFilter[];
}

export interface HostDataplane {
  /** Reported in the agent's configurations (`noop`, `linux`). */
  readonly kind: string;
  /** Makes one port real on this host, filters included; idempotent. */
  plugPort(port: PortWiring, groups: GroupFilter[]): Promise<void>;
  /** Removes what plugPort made for a port; idempotent. */
  unplugPort(portId: string, networkId: string): Promise<void>;
  /** Brings the filters of every plugged port in line with changed groups. */
  updateGroups(groups: GroupFilter[]): Promise<void>;
  /** Makes the host match `state` exactly, removing what it no longer holds. */
  reconcile(state: HostState): Promise<void>;
  close(): Promise<void>;
}
