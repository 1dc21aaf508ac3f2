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
