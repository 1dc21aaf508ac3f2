import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import { isUniqueViolation } from '../../core/db/index.js';
import type { FixedIp, Port } from '../model.js';
import type { NetworkTables, PortRow } from './schema.js';
import { dropTags } from './tags.js';

type Db = Kysely<NetworkTables>;
type Queryable = Db | Transaction<NetworkTables>;

/** JSON.parse, with the common empty values skipping the parser (a 1,000-port list parses 4,000 of them). */
const parseJson = <T>(text: string): T => (text === '[]' ? [] : text === '{}' ? {} : JSON.parse(text)) as T;

function fromRow(row: PortRow, fixedIps: FixedIp[], securityGroups: string[], tags: string[]): Port {
  return {
    id: row.id, projectId: row.project_id, networkId: row.network_id, name: row.name, description: row.description,
    macAddress: row.mac_address, adminStateUp: row.admin_state_up === 1, status: row.status as Port['status'],
    deviceId: row.device_id, deviceOwner: row.device_owner, fixedIps, securityGroups,
    portSecurityEnabled: row.port_security_enabled === 1, allowedAddressPairs: parseJson<Port['allowedAddressPairs']>(row.allowed_address_pairs),
    extraDhcpOpts: parseJson<Port['extraDhcpOpts']>(row.extra_dhcp_opts),
    binding: {
      hostId: row.binding_host_id, vnicType: row.binding_vnic_type, vifType: row.binding_vif_type,
      vifDetails: parseJson<Record<string, unknown>>(row.binding_vif_details), profile: parseJson<Record<string, unknown>>(row.binding_profile),
    },
    revisionNumber: row.revision_number, createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at), tags,
  };
}

function toRow(p: Port): PortRow {
  return {
    id: p.id, project_id: p.projectId, network_id: p.networkId, name: p.name, description: p.description, mac_address: p.macAddress,
    admin_state_up: p.adminStateUp ? 1 : 0, status: p.status, device_id: p.deviceId, device_owner: p.deviceOwner,
    port_security_enabled: p.portSecurityEnabled ? 1 : 0, allowed_address_pairs: JSON.stringify(p.allowedAddressPairs),
    extra_dhcp_opts: JSON.stringify(p.extraDhcpOpts), binding_host_id: p.binding.hostId, binding_vnic_type: p.binding.vnicType,
    binding_vif_type: p.binding.vifType, binding_vif_details: JSON.stringify(p.binding.vifDetails), binding_profile: JSON.stringify(p.binding.profile),
    revision_number: p.revisionNumber, created_at: p.createdAt.toISOString(), updated_at: p.updatedAt.toISOString(),
  };
}

/**
 * Which ports a child query covers: a list of ids (one port) or the port query itself
 * as a subquery, so a 1,000-port list costs four queries without a 1,000-id IN list.
 */
type PortIds = readonly string[] | SelectQueryBuilder<NetworkTables, 'ports', { id: string }>;

/** Rows to ports: their addresses, groups and tags in one query each. */
async function hydrate(db: Queryable, rows: PortRow[], ids: PortIds): Promise<Port[]> {
  if (rows.length === 0) return [];
  const within = Array.isArray(ids) ? [...ids] : (ids as SelectQueryBuilder<NetworkTables, 'ports', { id: string }>);
  const ips = new Map<string, FixedIp[]>();
  const groups = new Map<string, string[]>();
  const tags = new Map<string, string[]>();
  const allocations = await db.selectFrom('ip_allocations').select(['port_id', 'subnet_id', 'ip_address']).where('port_id', 'in', within).execute();
  for (const a of allocations) (ips.get(a.port_id) ?? ips.set(a.port_id, []).get(a.port_id)!).push({ subnetId: a.subnet_id, ipAddress: a.ip_address });
  const links = await db.selectFrom('port_security_groups').select(['port_id', 'security_group_id']).where('port_id', 'in', within).execute();
  for (const l of links) (groups.get(l.port_id) ?? groups.set(l.port_id, []).get(l.port_id)!).push(l.security_group_id);
  const tagRows = await db.selectFrom('resource_tags').select(['resource_id', 'tag']).where('resource_id', 'in', within).orderBy('tag').execute();
  for (const t of tagRows) (tags.get(t.resource_id) ?? tags.set(t.resource_id, []).get(t.resource_id)!).push(t.tag);
  return rows.map((r) => fromRow(r, ips.get(r.id) ?? [], (groups.get(r.id) ?? []).sort(), tags.get(r.id) ?? []));
}

export async function getPort(db: Queryable, id: string): Promise<Port | undefined> {
  const row = await db.selectFrom('ports').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? (await hydrate(db, [row], [row.id]))[0] : undefined;
}

export interface PortQuery {
  /** Only ports of these projects or on these networks (what a non-admin may see); all when undefined. */
  visibleTo?: { projectId: string; networkIds: readonly string[] };
  networkId?: string;
  deviceId?: string;
  /** Ports bound to this host (binding:host_id). */
  hostId?: string;
}

/** The query's conditions on a query over `ports` (the list itself, or the id subquery of its children). */
function filtered<O>(q: SelectQueryBuilder<NetworkTables, 'ports', O>, query: PortQuery): SelectQueryBuilder<NetworkTables, 'ports', O> {
  if (query.networkId !== undefined) q = q.where('network_id', '=', query.networkId);
  if (query.deviceId !== undefined) q = q.where('device_id', '=', query.deviceId);
  if (query.hostId !== undefined) q = q.where('binding_host_id', '=', query.hostId);
  const v = query.visibleTo;
  if (v) {
    q = q.where((eb) => eb.or([eb('project_id', '=', v.projectId), ...(v.networkIds.length ? [eb('network_id', 'in', [...v.networkIds])] : [])]));
  }
  return q;
}

export async function listPorts(db: Db, query: PortQuery = {}): Promise<Port[]> {
  // By id, the primary key: the order the API shows without sort_key, and no sort step for the database.
  const rows = await filtered(db.selectFrom('ports').selectAll(), query).orderBy('id').execute();
  return hydrate(db, rows, filtered(db.selectFrom('ports').select('id'), query));
}

/** Addresses already taken on a subnet, ascending as text (the caller parses and sorts numerically). */
export async function usedAddresses(db: Queryable, subnetId: string): Promise<string[]> {
  const rows = await db.selectFrom('ip_allocations').select('ip_address').where('subnet_id', '=', subnetId).execute();
  return rows.map((r) => r.ip_address);
}

export async function addressTaken(db: Queryable, subnetId: string, ip: string): Promise<boolean> {
  return Boolean(await db.selectFrom('ip_allocations').select('port_id').where('subnet_id', '=', subnetId).where('ip_address', '=', ip).executeTakeFirst());
}

export async function macTaken(db: Queryable, networkId: string, mac: string): Promise<boolean> {
  return Boolean(await db.selectFrom('ports').select('id').where('network_id', '=', networkId).where('mac_address', '=', mac).executeTakeFirst());
}

export type SaveOutcome = 'saved' | 'conflict';

/**
 * Inserts a port with its allocations and group links in one transaction. 'conflict'
 * when a unique index refused it (an address or the MAC was taken meanwhile): the
 * caller finds out which and retries or answers 409. Nothing is left behind.
 */
export async function insertPort(db: Db, p: Port): Promise<SaveOutcome> {
  try {
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('ports').values(toRow(p)).execute();
      await writeChildren(tx, p);
    });
    return 'saved';
  } catch (e) {
    if (isUniqueViolation(e)) return 'conflict';
    throw e;
  }
}

/** Saves a changed port, replacing its allocations and group links when they changed. */
export async function updatePortRow(db: Db, p: Port, childrenChanged: boolean): Promise<SaveOutcome> {
  try {
    await db.transaction().execute(async (tx) => {
      const { id, created_at: _created, ...changes } = toRow(p);
      await tx.updateTable('ports').set(changes).where('id', '=', id).execute();
      if (!childrenChanged) return;
      await tx.deleteFrom('ip_allocations').where('port_id', '=', id).execute();
      await tx.deleteFrom('port_security_groups').where('port_id', '=', id).execute();
      await writeChildren(tx, p);
    });
    return 'saved';
  } catch (e) {
    if (isUniqueViolation(e)) return 'conflict';
    throw e;
  }
}

async function writeChildren(tx: Transaction<NetworkTables>, p: Port): Promise<void> {
  if (p.fixedIps.length) {
    await tx.insertInto('ip_allocations').values(p.fixedIps.map((ip) => ({ port_id: p.id, subnet_id: ip.subnetId, network_id: p.networkId, ip_address: ip.ipAddress }))).execute();
  }
  if (p.securityGroups.length) {
    await tx.insertInto('port_security_groups').values([...new Set(p.securityGroups)].map((g) => ({ port_id: p.id, security_group_id: g }))).execute();
  }
}

export async function deletePortRow(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    await dropTags(tx, id);
    // A deleted port's floating IPs stay allocated but float free, as in Neutron.
    await tx.updateTable('floating_ips').set({ fixed_port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' })
      .where('fixed_port_id', '=', id).execute();
    const r = await tx.deleteFrom('ports').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  });
}

/** How many addresses each subnet has handed out (for network-ip-availabilities). */
export async function allocationCounts(db: Db, subnetIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (subnetIds.length === 0) return out;
  const rows = await db.selectFrom('ip_allocations').select(['subnet_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('subnet_id', 'in', [...subnetIds]).groupBy('subnet_id').execute();
  for (const r of rows) out.set(r.subnet_id, Number(r.n));
  return out;
}

/** Every fixed address of the member ports of each group, in one query (remote-group filters). */
export async function memberAddresses(db: Db, groupIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (groupIds.length === 0) return out;
  const rows = await db.selectFrom('port_security_groups').innerJoin('ip_allocations', 'ip_allocations.port_id', 'port_security_groups.port_id')
    .select(['port_security_groups.security_group_id as group_id', 'ip_allocations.ip_address']).where('port_security_groups.security_group_id', 'in', [...groupIds]).execute();
  for (const r of rows) (out.get(r.group_id) ?? out.set(r.group_id, []).get(r.group_id)!).push(r.ip_address);
  return out;
}

/** An agent's report on a port, applied only while the port is still bound to that agent's host. */
export async function setPortStatus(db: Db, portId: string, host: string, status: 'ACTIVE' | 'DOWN'): Promise<void> {
  await db.updateTable('ports').set({ status }).where('id', '=', portId).where('binding_host_id', '=', host).execute();
}

/** Ports holding `ip` as a fixed IP on any of these networks (addresses overlap between networks, so never on all). */
export async function portsWithAddress(db: Db, ip: string, networkIds: readonly string[]): Promise<Port[]> {
  if (networkIds.length === 0) return [];
  const holders = db.selectFrom('ip_allocations').select('port_id').where('ip_address', '=', ip).where('network_id', 'in', [...networkIds]);
  const rows = await db.selectFrom('ports').selectAll().where('id', 'in', holders).orderBy('id').execute();
  return hydrate(db, rows, rows.map((r) => r.id));
}
