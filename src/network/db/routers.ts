import type { Kysely } from 'kysely';
import type { Router } from '../model.js';
import type { NetworkTables, RouterRow } from './schema.js';
import { resourceRows } from './row-store.js';
import { dropTags } from './tags.js';

type Db = Kysely<NetworkTables>;

function fromRow(r: RouterRow, tags: string[]): Router {
  return {
    id: r.id, projectId: r.project_id, name: r.name, description: r.description, adminStateUp: r.admin_state_up === 1,
    status: r.status as Router['status'], gwPortId: r.gw_port_id, enableSnat: r.enable_snat === 1, routes: JSON.parse(r.routes) as Router['routes'],
    availabilityZoneHints: JSON.parse(r.availability_zone_hints) as string[], revisionNumber: r.revision_number,
    createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at), tags,
  };
}

function toRow(r: Router): RouterRow {
  return {
    id: r.id, project_id: r.projectId, name: r.name, description: r.description, admin_state_up: r.adminStateUp ? 1 : 0, status: r.status,
    gw_port_id: r.gwPortId, enable_snat: r.enableSnat ? 1 : 0, routes: JSON.stringify(r.routes),
    availability_zone_hints: JSON.stringify(r.availabilityZoneHints), revision_number: r.revisionNumber,
    created_at: r.createdAt.toISOString(), updated_at: r.updatedAt.toISOString(),
  };
}

const routers = resourceRows('routers', fromRow, toRow);

export const getRouter = routers.get;
export const listRouters = routers.list;
export const insertRouter = routers.insert;
export const updateRouterRow = routers.update;

/**
 * Deletes a router and its gateway port together; 'in-use' when an interface port or a
 * floating IP still points at it.
 */
export async function deleteRouterRow(db: Db, id: string): Promise<'deleted' | 'not-found' | 'in-use'> {
  return db.transaction().execute(async (tx): Promise<'deleted' | 'not-found' | 'in-use'> => {
    const row = await tx.selectFrom('routers').select(['gw_port_id']).where('id', '=', id).executeTakeFirst();
    if (!row) return 'not-found';
    const iface = await tx.selectFrom('ports').select('id').where('device_id', '=', id).where('device_owner', '=', 'network:router_interface').executeTakeFirst();
    const fip = await tx.selectFrom('floating_ips').select('id').where('router_id', '=', id).executeTakeFirst();
    if (iface || fip) return 'in-use';
    await dropTags(tx, id);
    await tx.deleteFrom('routers').where('id', '=', id).execute();
    if (row.gw_port_id) await tx.deleteFrom('ports').where('id', '=', row.gw_port_id).execute();
    return 'deleted';
  });
}

/** Routers whose interfaces sit on a subnet, with that interface's port. */
export async function routersOnSubnet(db: Db, subnetId: string): Promise<Array<{ routerId: string; portId: string }>> {
  const rows = await db.selectFrom('ports').innerJoin('ip_allocations', 'ip_allocations.port_id', 'ports.id')
    .select(['ports.device_id', 'ports.id']).where('ip_allocations.subnet_id', '=', subnetId)
    .where('ports.device_owner', '=', 'network:router_interface').execute();
  return rows.map((r) => ({ routerId: r.device_id, portId: r.id }));
}
