import type { Kysely, Transaction } from 'kysely';
import { isUniqueViolation } from '../../core/db/index.js';
import type { SecurityGroup, SecurityGroupRule } from '../model.js';
import { protocolNumber } from '../protocols.js';
import type { NetworkTables, SecurityGroupRow, SecurityGroupRuleRow } from './schema.js';
import { dropTags, tagsOf } from './tags.js';

type Db = Kysely<NetworkTables>;
type Queryable = Db | Transaction<NetworkTables>;

export function ruleFromRow(r: SecurityGroupRuleRow): SecurityGroupRule {
  return {
    id: r.id, projectId: r.project_id, securityGroupId: r.security_group_id, direction: r.direction as SecurityGroupRule['direction'],
    ethertype: r.ethertype as SecurityGroupRule['ethertype'], protocol: r.protocol, portRangeMin: r.port_range_min, portRangeMax: r.port_range_max,
    remoteIpPrefix: r.remote_ip_prefix, remoteGroupId: r.remote_group_id, description: r.description, revisionNumber: r.revision_number,
    createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
  };
}

/** What makes two rules the same rule: Neutron refuses a second one with SecurityGroupRuleExists. */
export function fingerprintOf(r: SecurityGroupRule): string {
  return [r.securityGroupId, r.direction, r.ethertype, protocolNumber(r.protocol) ?? '', r.portRangeMin ?? '', r.portRangeMax ?? '', r.remoteIpPrefix ?? '', r.remoteGroupId ?? ''].join('|');
}

function ruleToRow(r: SecurityGroupRule): SecurityGroupRuleRow {
  return {
    id: r.id, project_id: r.projectId, security_group_id: r.securityGroupId, direction: r.direction, ethertype: r.ethertype, protocol: r.protocol,
    port_range_min: r.portRangeMin, port_range_max: r.portRangeMax, remote_ip_prefix: r.remoteIpPrefix, remote_group_id: r.remoteGroupId,
    description: r.description, fingerprint: fingerprintOf(r), revision_number: r.revisionNumber,
    created_at: r.createdAt.toISOString(), updated_at: r.updatedAt.toISOString(),
  };
}

function groupToRow(g: SecurityGroup): SecurityGroupRow {
  return {
    id: g.id, project_id: g.projectId, name: g.name, description: g.description, stateful: g.stateful ? 1 : 0,
    revision_number: g.revisionNumber, created_at: g.createdAt.toISOString(), updated_at: g.updatedAt.toISOString(),
  };
}

async function hydrate(db: Queryable, rows: SecurityGroupRow[]): Promise<SecurityGroup[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const rules = await db.selectFrom('security_group_rules').selectAll().where('security_group_id', 'in', ids).orderBy('created_at').orderBy('id').execute();
  const byGroup = new Map<string, SecurityGroupRule[]>();
  for (const r of rules) (byGroup.get(r.security_group_id) ?? byGroup.set(r.security_group_id, []).get(r.security_group_id)!).push(ruleFromRow(r));
  const tags = await tagsOf(db, ids);
  return rows.map((g) => ({
    id: g.id, projectId: g.project_id, name: g.name, description: g.description, stateful: g.stateful === 1, rules: byGroup.get(g.id) ?? [],
    revisionNumber: g.revision_number, createdAt: new Date(g.created_at), updatedAt: new Date(g.updated_at), tags: tags.get(g.id) ?? [],
  }));
}

export async function getGroup(db: Queryable, id: string): Promise<SecurityGroup | undefined> {
  const row = await db.selectFrom('security_groups').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? (await hydrate(db, [row]))[0] : undefined;
}

/** Groups of one project (all when undefined), in creation order. */
export async function listGroups(db: Db, projectId?: string): Promise<SecurityGroup[]> {
  let q = db.selectFrom('security_groups').selectAll().orderBy('created_at').orderBy('id');
  if (projectId !== undefined) q = q.where('project_id', '=', projectId);
  return hydrate(db, await q.execute());
}

export async function groupOwners(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('security_groups').select(['id', 'project_id']).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.id, r.project_id]));
}

export async function defaultGroupId(db: Queryable, projectId: string): Promise<string | undefined> {
  const row = await db.selectFrom('default_security_groups').select('security_group_id').where('project_id', '=', projectId).executeTakeFirst();
  return row?.security_group_id;
}

export async function defaultGroupIdsOf(db: Db, groupIds: readonly string[]): Promise<Set<string>> {
  if (groupIds.length === 0) return new Set();
  const rows = await db.selectFrom('default_security_groups').select('security_group_id').where('security_group_id', 'in', [...groupIds]).execute();
  return new Set(rows.map((r) => r.security_group_id));
}

/**
 * Inserts a group with its rules in one transaction; when `asDefault`, it also claims
 * the project's default slot and returns false if another request claimed it first
 * (then nothing of this group is kept).
 */
export async function insertGroup(db: Db, g: SecurityGroup, asDefault: boolean): Promise<boolean> {
  try {
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('security_groups').values(groupToRow(g)).execute();
      if (asDefault) await tx.insertInto('default_security_groups').values({ project_id: g.projectId, security_group_id: g.id }).execute();
      if (g.rules.length) await tx.insertInto('security_group_rules').values(g.rules.map(ruleToRow)).execute();
    });
    return true;
  } catch (e) {
    if (asDefault && isUniqueViolation(e)) return false;
    throw e;
  }
}

export async function updateGroupRow(db: Db, g: SecurityGroup): Promise<void> {
  const { id, created_at: _created, ...changes } = groupToRow(g);
  await db.updateTable('security_groups').set(changes).where('id', '=', id).execute();
}

/**
 * Deletes a group and its rules unless a port uses it: 'in-use' when one does (checked
 * in the same transaction as the delete).
 */
export async function deleteGroupRow(db: Db, id: string): Promise<'deleted' | 'not-found' | 'in-use'> {
  return db.transaction().execute(async (tx): Promise<'deleted' | 'not-found' | 'in-use'> => {
    if (await tx.selectFrom('port_security_groups').select('port_id').where('security_group_id', '=', id).executeTakeFirst()) return 'in-use';
    await dropTags(tx, id);
    // Rules elsewhere that name this group as their remote go with it, as in Neutron.
    await tx.deleteFrom('security_group_rules').where('remote_group_id', '=', id).execute();
    await tx.deleteFrom('default_security_groups').where('security_group_id', '=', id).execute();
    const r = await tx.deleteFrom('security_groups').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0 ? 'deleted' : 'not-found';
  });
}

export async function getRule(db: Db, id: string): Promise<SecurityGroupRule | undefined> {
  const row = await db.selectFrom('security_group_rules').selectAll().where('id', '=', id).executeTakeFirst();
  return row && ruleFromRow(row);
}

export async function listRules(db: Db, groupIds?: readonly string[]): Promise<SecurityGroupRule[]> {
  if (groupIds && groupIds.length === 0) return [];
  let q = db.selectFrom('security_group_rules').selectAll().orderBy('created_at').orderBy('id');
  if (groupIds) q = q.where('security_group_id', 'in', [...groupIds]);
  return (await q.execute()).map(ruleFromRow);
}

/** Inserts a rule; the id of the existing identical rule when there is one. */
export async function insertRule(db: Db, r: SecurityGroupRule): Promise<{ duplicateOf?: string }> {
  try {
    await db.insertInto('security_group_rules').values(ruleToRow(r)).execute();
    return {};
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const existing = await db.selectFrom('security_group_rules').select('id').where('fingerprint', '=', fingerprintOf(r)).executeTakeFirst();
    if (!existing) throw e;
    return { duplicateOf: existing.id };
  }
}

export async function deleteRuleRow(db: Db, id: string): Promise<boolean> {
  const r = await db.deleteFrom('security_group_rules').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function countRules(db: Db, projectId: string): Promise<number> {
  const row = await db.selectFrom('security_group_rules').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirst();
  return Number(row?.n ?? 0);
}
