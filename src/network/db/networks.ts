import type { Kysely } from 'kysely';
import { isForeignKeyViolation } from '../../core/db/index.js';
import type { Network } from '../model.js';
import type { NetworkRow, NetworkTables } from './schema.js';
import { dropTags, tagsOf } from './tags.js';

type Db = Kysely<NetworkTables>;

function fromRow(row: NetworkRow, tags: string[]): Network {
  return {
    id: row.id, projectId: row.project_id, name: row.name, description: row.description,
    adminStateUp: row.admin_state_up === 1, status: row.status as Network['status'], shared: row.shared === 1, mtu: row.mtu,
    portSecurityEnabled: row.port_security_enabled === 1, routerExternal: row.router_external === 1,
    availabilityZoneHints: JSON.parse(row.availability_zone_hints) as string[],
    networkType: row.network_type as Network['networkType'], physicalNetwork: row.physical_network || null,
    segmentationId: row.segmentation_id, revisionNumber: row.revision_number,
    createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at), tags,
  };
}

function toRow(n: Network): NetworkRow {
  return {
    id: n.id, project_id: n.projectId, name: n.name, description: n.description, admin_state_up: n.adminStateUp ? 1 : 0,
    status: n.status, shared: n.shared ? 1 : 0, mtu: n.mtu, port_security_enabled: n.portSecurityEnabled ? 1 : 0,
    router_external: n.routerExternal ? 1 : 0, availability_zone_hints: JSON.stringify(n.availabilityZoneHints),
    network_type: n.networkType, physical_network: n.physicalNetwork ?? '', segmentation_id: n.segmentationId,
    revision_number: n.revisionNumber, created_at: n.createdAt.toISOString(), updated_at: n.updatedAt.toISOString(),
  };
}

async function withTags(db: Db, rows: NetworkRow[]): Promise<Network[]> {
  const tags = await tagsOf(db, rows.map((r) => r.id));
  return rows.map((r) => fromRow(r, tags.get(r.id) ?? []));
}

export async function getNetwork(db: Db, id: string): Promise<Network | undefined> {
  const row = await db.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? (await withTags(db, [row]))[0] : undefined;
}

/** Every network the caller may see, in creation order (the API filters, sorts and pages them). */
export async function listNetworks(db: Db, visibleTo: { projectId: string | null; all: boolean }): Promise<Network[]> {
  let q = db.selectFrom('networks').selectAll().orderBy('created_at').orderBy('id');
  if (!visibleTo.all) {
    q = q.where((eb) => eb.or([eb('project_id', '=', visibleTo.projectId ?? ''), eb('shared', '=', 1), eb('router_external', '=', 1)]));
  }
  return withTags(db, await q.execute());
}

/** Inserts a network; false when its segment is already taken (the unique index decides). */
export async function insertNetwork(db: Db, n: Network): Promise<boolean> {
  try {
    await db.insertInto('networks').values(toRow(n)).execute();
    return true;
  } catch (e) {
    const taken = n.segmentationId !== null && await db.selectFrom('networks').select('id')
      .where('network_type', '=', n.networkType).where('physical_network', '=', n.physicalNetwork ?? '')
      .where('segmentation_id', '=', n.segmentationId).executeTakeFirst();
    if (taken) return false;
    throw e;
  }
}

export async function updateNetworkRow(db: Db, n: Network): Promise<void> {
  const { id, created_at: _created, ...changes } = toRow(n);
  await db.updateTable('networks').set(changes).where('id', '=', id).execute();
}

/**
 * Deletes a network with its subnets and floating IPs in one transaction. 'in-use' when a port is still on
 * it: the ports' foreign key makes the database refuse, so a port created during the
 * delete cannot be orphaned.
 */
/**
 * Deletes a network with its subnets, the floating IPs allocated from it and its DHCP
 * servers' ports (which never hold a network, as in Neutron); any other port does.
 */
export async function deleteNetworkRow(db: Db, id: string): Promise<'deleted' | 'not-found' | 'in-use'> {
  return db.transaction().execute(async (tx): Promise<'deleted' | 'not-found' | 'in-use'> => {
    const blocking = await tx.selectFrom('ports').select('id').where('network_id', '=', id)
      .where('device_owner', 'not in', ['network:floatingip', 'network:dhcp']).executeTakeFirst();
    if (blocking) return 'in-use';
    for (const p of await tx.selectFrom('ports').select('id').where('network_id', '=', id).where('device_owner', '=', 'network:dhcp').execute()) {
      await dropTags(tx, p.id);
      await tx.deleteFrom('ports').where('id', '=', p.id).execute();
    }
    // Floating IPs allocated from an external network go with it, their address ports too.
    const fips = await tx.selectFrom('floating_ips').select(['id', 'floating_port_id']).where('floating_network_id', '=', id).execute();
    for (const f of fips) {
      await dropTags(tx, f.id);
      await tx.deleteFrom('floating_ips').where('id', '=', f.id).execute();
      await tx.deleteFrom('ports').where('id', '=', f.floating_port_id).execute();
    }
    const subnets = await tx.selectFrom('subnets').select('id').where('network_id', '=', id).execute();
    for (const s of subnets) await dropTags(tx, s.id);
    await tx.deleteFrom('subnets').where('network_id', '=', id).execute();
    await dropTags(tx, id);
    const r = await tx.deleteFrom('networks').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0 ? 'deleted' : 'not-found';
  }).catch((e: unknown) => {
    if (isForeignKeyViolation(e)) return 'in-use';
    throw e;
  });
}

export async function usedSegments(db: Db, networkType: string, physicalNetwork: string): Promise<number[]> {
  const rows = await db.selectFrom('networks').select('segmentation_id').where('network_type', '=', networkType)
    .where('physical_network', '=', physicalNetwork).where('segmentation_id', 'is not', null).orderBy('segmentation_id').execute();
  return rows.map((r) => r.segmentation_id!);
}
