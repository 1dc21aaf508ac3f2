import { isoSeconds } from '../../core/clock.js';
import type { FloatingIp, Network, Port, Router, SecurityGroup, SecurityGroupRule, Subnet, SubnetPool } from '../model.js';

/** A network as Neutron shows it; provider attributes only to those allowed to see them. */
export function networkView(n: Network, showProvider: boolean, subnets: string[] = []): Record<string, unknown> {
  return {
    id: n.id,
    name: n.name,
    tenant_id: n.projectId,
    project_id: n.projectId,
    admin_state_up: n.adminStateUp,
    mtu: n.mtu,
    status: n.status,
    subnets,
    shared: n.shared,
    availability_zone_hints: n.availabilityZoneHints,
    availability_zones: [],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    'router:external': n.routerExternal,
    description: n.description,
    port_security_enabled: n.portSecurityEnabled,
    l2_adjacency: true,
    tags: n.tags,
    created_at: isoSeconds(n.createdAt),
    updated_at: isoSeconds(n.updatedAt),
    revision_number: n.revisionNumber,
    ...(showProvider ? {
      'provider:network_type': n.networkType,
      'provider:physical_network': n.physicalNetwork,
      'provider:segmentation_id': n.segmentationId,
    } : {}),
  };
}

/** Attributes a list may filter and sort on, taken from a view of a blank resource. */
const attributesOf = (view: Record<string, unknown>): string[] => Object.keys(view);

/** Attributes a network list may filter and sort on. */
export const NETWORK_ATTRIBUTES = attributesOf(networkView({
  id: '', projectId: '', name: '', description: '', adminStateUp: true, status: 'ACTIVE', shared: false, mtu: 0, portSecurityEnabled: true,
  routerExternal: false, availabilityZoneHints: [], networkType: 'vxlan', physicalNetwork: null, segmentationId: null, revisionNumber: 0,
  createdAt: new Date(0), updatedAt: new Date(0), tags: [],
}, true));

/** A subnet as Neutron shows it. */
export function subnetView(s: Subnet): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    tenant_id: s.projectId,
    project_id: s.projectId,
    network_id: s.networkId,
    ip_version: s.ipVersion,
    subnetpool_id: s.subnetpoolId,
    enable_dhcp: s.enableDhcp,
    ipv6_ra_mode: s.ipv6RaMode,
    ipv6_address_mode: s.ipv6AddressMode,
    gateway_ip: s.gatewayIp,
    cidr: s.cidr,
    allocation_pools: s.allocationPools,
    host_routes: s.hostRoutes,
    dns_nameservers: s.dnsNameservers,
    description: s.description,
    service_types: s.serviceTypes,
    tags: s.tags,
    created_at: isoSeconds(s.createdAt),
    updated_at: isoSeconds(s.updatedAt),
    revision_number: s.revisionNumber,
  };
}

/** A port as Neutron shows it; binding details only to those allowed to see them. */
export function portView(p: Port, showBinding: boolean): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    network_id: p.networkId,
    tenant_id: p.projectId,
    project_id: p.projectId,
    mac_address: p.macAddress,
    admin_state_up: p.adminStateUp,
    status: p.status,
    device_id: p.deviceId,
    device_owner: p.deviceOwner,
    fixed_ips: p.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: f.ipAddress })),
    allowed_address_pairs: p.allowedAddressPairs,
    extra_dhcp_opts: p.extraDhcpOpts,
    security_groups: p.securityGroups,
    description: p.description,
    'binding:vnic_type': p.binding.vnicType,
    port_security_enabled: p.portSecurityEnabled,
    tags: p.tags,
    created_at: isoSeconds(p.createdAt),
    updated_at: isoSeconds(p.updatedAt),
    revision_number: p.revisionNumber,
    ...(showBinding ? {
      'binding:host_id': p.binding.hostId,
      'binding:profile': p.binding.profile,
      'binding:vif_type': p.binding.vifType,
      'binding:vif_details': p.binding.vifDetails,
    } : {}),
  };
}


export const SUBNET_ATTRIBUTES = attributesOf(subnetView({
  id: '', projectId: '', networkId: '', name: '', description: '', ipVersion: 4, cidr: '', gatewayIp: null, allocationPools: [], dnsNameservers: [],
  hostRoutes: [], enableDhcp: true, ipv6RaMode: null, ipv6AddressMode: null, subnetpoolId: null, serviceTypes: [], revisionNumber: 0,
  createdAt: new Date(0), updatedAt: new Date(0), tags: [],
}));

export const PORT_ATTRIBUTES = attributesOf(portView({
  id: '', projectId: '', networkId: '', name: '', description: '', macAddress: '', adminStateUp: true, status: 'DOWN', deviceId: '', deviceOwner: '',
  fixedIps: [], securityGroups: [], portSecurityEnabled: true, allowedAddressPairs: [], extraDhcpOpts: [],
  binding: { hostId: '', vnicType: 'normal', vifType: 'unbound', vifDetails: {}, profile: {} }, revisionNumber: 0,
  createdAt: new Date(0), updatedAt: new Date(0), tags: [],
}, true));

export function ruleView(r: SecurityGroupRule): Record<string, unknown> {
  return {
    id: r.id,
    tenant_id: r.projectId,
    project_id: r.projectId,
    security_group_id: r.securityGroupId,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol,
    port_range_min: r.portRangeMin,
    port_range_max: r.portRangeMax,
    remote_ip_prefix: r.remoteIpPrefix,
    remote_group_id: r.remoteGroupId,
    remote_address_group_id: null,
    normalized_cidr: r.remoteIpPrefix,
    description: r.description,
    created_at: isoSeconds(r.createdAt),
    updated_at: isoSeconds(r.updatedAt),
    revision_number: r.revisionNumber,
  };
}

export function groupView(g: SecurityGroup): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    tenant_id: g.projectId,
    project_id: g.projectId,
    description: g.description,
    stateful: g.stateful,
    shared: false,
    security_group_rules: g.rules.map(ruleView),
    tags: g.tags,
    created_at: isoSeconds(g.createdAt),
    updated_at: isoSeconds(g.updatedAt),
    revision_number: g.revisionNumber,
  };
}

const EPOCH = new Date(0);
export const GROUP_ATTRIBUTES = attributesOf(groupView({ id: '', projectId: '', name: '', description: '', stateful: true, rules: [], revisionNumber: 0, createdAt: EPOCH, updatedAt: EPOCH, tags: [] }));
export const RULE_ATTRIBUTES = attributesOf(ruleView({
  id: '', projectId: '', securityGroupId: '', direction: 'ingress', ethertype: 'IPv4', protocol: null, portRangeMin: null, portRangeMax: null,
  remoteIpPrefix: null, remoteGroupId: null, description: '', revisionNumber: 0, createdAt: EPOCH, updatedAt: EPOCH,
}));

/** A router; external_fixed_ips come from its gateway port. */
export function routerView(r: Router, gateway: Port | undefined): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    tenant_id: r.projectId,
    project_id: r.projectId,
    admin_state_up: r.adminStateUp,
    status: r.status,
    external_gateway_info: gateway ? {
      network_id: gateway.networkId,
      enable_snat: r.enableSnat,
      external_fixed_ips: gateway.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: f.ipAddress })),
    } : null,
    routes: r.routes,
    description: r.description,
    availability_zone_hints: r.availabilityZoneHints,
    availability_zones: [],
    tags: r.tags,
    created_at: isoSeconds(r.createdAt),
    updated_at: isoSeconds(r.updatedAt),
    revision_number: r.revisionNumber,
  };
}

export function floatingIpView(f: FloatingIp, port: Port | undefined): Record<string, unknown> {
  return {
    id: f.id,
    tenant_id: f.projectId,
    project_id: f.projectId,
    floating_network_id: f.floatingNetworkId,
    floating_ip_address: f.floatingIpAddress,
    router_id: f.routerId,
    port_id: f.fixedPortId,
    fixed_ip_address: f.fixedIpAddress,
    status: f.status,
    description: f.description,
    port_details: port ? {
      name: port.name, network_id: port.networkId, mac_address: port.macAddress, admin_state_up: port.adminStateUp,
      status: port.status, device_id: port.deviceId, device_owner: port.deviceOwner,
    } : null,
    tags: f.tags,
    created_at: isoSeconds(f.createdAt),
    updated_at: isoSeconds(f.updatedAt),
    revision_number: f.revisionNumber,
  };
}

export const ROUTER_ATTRIBUTES = attributesOf(routerView({
  id: '', projectId: '', name: '', description: '', adminStateUp: true, status: 'ACTIVE', gwPortId: null, enableSnat: true, routes: [],
  availabilityZoneHints: [], revisionNumber: 0, createdAt: EPOCH, updatedAt: EPOCH, tags: [],
}, undefined));
export const FLOATING_IP_ATTRIBUTES = attributesOf(floatingIpView({
  id: '', projectId: '', floatingNetworkId: '', floatingPortId: '', floatingIpAddress: '', fixedPortId: null, fixedIpAddress: null, routerId: null,
  status: 'DOWN', description: '', revisionNumber: 0, createdAt: EPOCH, updatedAt: EPOCH, tags: [],
}, undefined));

export function subnetPoolView(p: SubnetPool): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    tenant_id: p.projectId,
    project_id: p.projectId,
    prefixes: p.prefixes,
    ip_version: p.ipVersion,
    default_prefixlen: p.defaultPrefixlen,
    min_prefixlen: p.minPrefixlen,
    max_prefixlen: p.maxPrefixlen,
    shared: p.shared,
    is_default: p.isDefault,
    default_quota: p.defaultQuota,
    address_scope_id: null,
    description: p.description,
    tags: p.tags,
    created_at: isoSeconds(p.createdAt),
    updated_at: isoSeconds(p.updatedAt),
    revision_number: p.revisionNumber,
  };
}

export const SUBNET_POOL_ATTRIBUTES = attributesOf(subnetPoolView({
  id: '', projectId: '', name: '', description: '', ipVersion: 4, prefixes: [], defaultPrefixlen: 0, minPrefixlen: 0, maxPrefixlen: 0,
  shared: false, isDefault: false, defaultQuota: null, revisionNumber: 0, createdAt: EPOCH, updatedAt: EPOCH, tags: [],
}));
