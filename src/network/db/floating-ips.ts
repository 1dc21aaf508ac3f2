import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../core/db/index.js';
import type { FloatingIp } from '../model.js';
import type { FloatingIpRow, NetworkTables } from './schema.js';
import { resourceRows } from './row-store.js';
import { dropTags } from './tags.js';

type Db = Kysely<NetworkTables>;

function fromRow(r: FloatingIpRow, tags: string[]): FloatingIp {
  return {
    id: r.id, projectId: r.project_id, floatingNetworkId: r.floating_network_id, floatingPortId: r.floating_port_id,
    floatingIpAddress: r.floating_ip_address, fixedPortId: r.fixed_port_id, fixedIpAddress: r.fixed_ip_address, routerId: r.router_id,
    status: r.status as FloatingIp['status'], description: r.description, revisionNumber: r.revision_number,
    createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at), tags,
  };
}

function toRow(f: FloatingIp): FloatingIpRow {
  return {
    id: f.id, project_id: f.projectId, floating_network_id: f.floatingNetworkId, floating_port_id: f.floatingPortId,
    floating_ip_address: f.floatingIpAddress, fixed_port_id: f.fixedPortId, fixed_ip_address: f.fixedIpAddress, router_id: f.routerId,
    status: f.status, description: f.description, revision_number: f.revisionNumber,
    created_at: f.createdAt.toISOString(), updated_at: f.updatedAt.toISOString(),
  };
}

const floatingIps = resourceRows('floating_ips', fromRow, toRow);

export const getFloatingIp = floatingIps.get;
export const listFloatingIps = floatingIps.list;
export const insertFloatingIp = floatingIps.insert;

/** Saves a changed floating IP; false when another one already holds that fixed address. */
export async function updateFloatingIpRow(db: Db, f: FloatingIp): Promise<boolean> {
  const { id, created_at: _created, ...changes } = toRow(f);
  try {
    await db.updateTable('floating_ips').set(changes).where('id', '=', id).execute();
    return true;
  } catch (e) {
    if (isUniqueViolation(e)) return false;
    throw e;
  }
}

/** Deletes a floating IP and its address port together. */
export async function deleteFloatingIpRow(db: Db, f: FloatingIp): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    await dropTags(tx, f.id);
    const r = await tx.deleteFrom('floating_ips').where('id', '=', f.id).executeTakeFirst();
    await tx.deleteFrom('ports').where('id', '=', f.floatingPortId).execute();
    return Number(r.numDeletedRows) > 0;
  });
}
