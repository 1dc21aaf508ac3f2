import type { Kysely } from 'kysely';
import type { Subnet } from '../model.js';
import type { NetworkTables, SubnetRow } from './schema.js';
import { resourceRows } from './row-store.js';
import { dropTags } from './tags.js';

type Db = Kysely<NetworkTables>;

function fromRow(row: SubnetRow, tags: string[]): Subnet {
  return {
    id: row.id, projectId: row.project_id, networkId: row.network_id, name: row.name, description: row.description,
    ipVersion: row.ip_version as 4 | 6, cidr: row.cidr, gatewayIp: row.gateway_ip,
    allocationPools: JSON.parse(row.allocation_pools) as Subnet['allocationPools'],
    dnsNameservers: JSON.parse(row.dns_nameservers) as string[], hostRoutes: JSON.parse(row.host_routes) as Subnet['hostRoutes'],
    enableDhcp: row.enable_dhcp === 1, ipv6RaMode: row.ipv6_ra_mode as Subnet['ipv6RaMode'], ipv6AddressMode: row.ipv6_address_mode as Subnet['ipv6AddressMode'],
    subnetpoolId: row.subnetpool_id, serviceTypes: JSON.parse(row.service_types) as string[], revisionNumber: row.revision_number,
    createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at), tags,
  };
}

function toRow(s: Subnet): SubnetRow {
  return {
    id: s.id, project_id: s.projectId, network_id: s.networkId, name: s.name, description: s.description, ip_version: s.ipVersion,
    cidr: s.cidr, gateway_ip: s.gatewayIp, allocation_pools: JSON.stringify(s.allocationPools), dns_nameservers: JSON.stringify(s.dnsNameservers),
    host_routes: JSON.stringify(s.hostRoutes), enable_dhcp: s.enableDhcp ? 1 : 0, ipv6_ra_mode: s.ipv6RaMode, ipv6_address_mode: s.ipv6AddressMode,
    subnetpool_id: s.subnetpoolId, service_types: JSON.stringify(s.serviceTypes), revision_number: s.revisionNumber,
    created_at: s.createdAt.toISOString(), updated_at: s.updatedAt.toISOString(),
  };
}

const subnets = resourceRows('subnets', fromRow, toRow);

export const getSubnet = subnets.get;
export const insertSubnet = subnets.insert;
export const updateSubnetRow = subnets.update;

/** Subnets of some networks (all when `networkIds` is undefined), in creation order. */
export async function listSubnets(db: Db, networkIds?: readonly string[]): Promise<Subnet[]> {
  if (networkIds && networkIds.length === 0) return [];
  let q = db.selectFrom('subnets').selectAll().orderBy('created_at').orderBy('id');
  if (networkIds) q = q.where('network_id', 'in', [...networkIds]);
  return subnets.withTags(db, await q.execute());
}

/** Subnet ids per network, for the networks' `subnets` attribute. */
export async function subnetIdsByNetwork(db: Db, networkIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (networkIds.length === 0) return out;
  const rows = await db.selectFrom('subnets').select(['id', 'network_id']).where('network_id', 'in', [...networkIds]).orderBy('created_at').orderBy('id').execute();
  for (const r of rows) (out.get(r.network_id) ?? out.set(r.network_id, []).get(r.network_id)!).push(r.id);
  return out;
}

/**
 * Deletes a subnet unless a port holds an address from it. On SLAAC / DHCPv6-stateless
 * subnets (`dropAutoAddresses`) the ports' derived addresses go with the subnet, as in
 * Neutron, unless a router interface holds one. The allocations' foreign key makes a
 * racing allocation fail one of the two, never leave an address on no subnet.
 */
export async function deleteSubnetRow(db: Db, id: string, dropAutoAddresses: boolean):
  Promise<{ outcome: 'deleted' | 'not-found' | 'in-use'; portsChanged: string[] }> {
  return db.transaction().execute(async (tx) => {
    let portsChanged: string[] = [];
    if (dropAutoAddresses) {
      const held = await tx.selectFrom('ip_allocations').innerJoin('ports', 'ports.id', 'ip_allocations.port_id')
        .select(['ports.id', 'ports.device_owner']).where('ip_allocations.subnet_id', '=', id).execute();
      if (!held.some((p) => p.device_owner === 'network:router_interface')) {
        portsChanged = held.map((p) => p.id);
        await tx.deleteFrom('ip_allocations').where('subnet_id', '=', id).execute();
      }
    }
    // DHCP servers' addresses do not hold a subnet (Neutron frees them on delete).
    const dhcp = await tx.selectFrom('ip_allocations').innerJoin('ports', 'ports.id', 'ip_allocations.port_id')
      .select('ports.id').where('ip_allocations.subnet_id', '=', id).where('ports.device_owner', '=', 'network:dhcp').execute();
    if (dhcp.length > 0) {
      await tx.deleteFrom('ip_allocations').where('subnet_id', '=', id).where('port_id', 'in', dhcp.map((p) => p.id)).execute();
      portsChanged = [...new Set([...portsChanged, ...dhcp.map((p) => p.id)])];
    }
    if (await tx.selectFrom('ip_allocations').select('port_id').where('subnet_id', '=', id).executeTakeFirst()) return { outcome: 'in-use' as const, portsChanged: [] };
    await dropTags(tx, id);
    const r = await tx.deleteFrom('subnets').where('id', '=', id).executeTakeFirst();
    return { outcome: Number(r.numDeletedRows) > 0 ? 'deleted' as const : 'not-found' as const, portsChanged };
  });
}
