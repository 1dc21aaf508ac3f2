import { isoSeconds } from '../../core/clock.js';
import type { Network } from '../model.js';

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

/** Attributes a network list may filter and sort on. */
export const NETWORK_ATTRIBUTES = Object.keys(networkView({
  id: '', projectId: '', name: '', description: '', adminStateUp: true, status: 'ACTIVE', shared: false, mtu: 0, portSecurityEnabled: true,
  routerExternal: false, availabilityZoneHints: [], networkType: 'vxlan', physicalNetwork: null, segmentationId: null, revisionNumber: 0,
  createdAt: new Date(0), updatedAt: new Date(0), tags: [],
}, true));
