import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import { NULL_DOMAIN, type AssignmentType, type RoleTable } from './schema.js';

export type RoleRow = Selectable<RoleTable>;

export async function getRoleRow(db: Queryable, id: string): Promise<RoleRow | undefined> {
  return db.selectFrom('role').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function rolesByIds(db: Queryable, ids: readonly string[]): Promise<RoleRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('role').selectAll().where('id', 'in', [...ids]).execute();
}

/** Every inference rule (prior -> implied); small enough to read whole. */
export async function allImpliedRoles(db: Queryable): Promise<Array<{ prior_role_id: string; implied_role_id: string }>> {
  return db.selectFrom('implied_role').selectAll().execute();
}

export interface AssignmentQuery {
  types: readonly AssignmentType[];
  actorIds: readonly string[];
  targetIds: readonly string[];
  inherited?: boolean;
}

/** Role ids granted to any of the actors on any of the targets. */
export async function assignedRoleIds(db: Queryable, q: AssignmentQuery): Promise<string[]> {
  if (q.actorIds.length === 0 || q.targetIds.length === 0) return [];
  let query = db.selectFrom('assignment').select('role_id')
    .where('type', 'in', [...q.types]).where('actor_id', 'in', [...q.actorIds]).where('target_id', 'in', [...q.targetIds]);
  if (q.inherited !== undefined) query = query.where('inherited', '=', q.inherited ? 1 : 0);
  const rows = await query.execute();
  return rows.map((r) => r.role_id);
}

export interface RoleFilter {
  name?: string;
  /** A domain id lists that domain's roles; undefined lists global roles only, as Keystone does. */
  domainId?: string;
}

export async function listRoleRows(db: Queryable, filter: RoleFilter = {}): Promise<RoleRow[]> {
  let q = db.selectFrom('role').selectAll().where('domain_id', '=', filter.domainId ?? NULL_DOMAIN);
  if (filter.name !== undefined) q = q.where('name', '=', filter.name);
  return q.orderBy('name').execute();
}

export async function allRoleRows(db: Queryable): Promise<RoleRow[]> {
  return db.selectFrom('role').selectAll().orderBy('name').execute();
}

export async function findRoleByName(db: Queryable, name: string, domainId: string): Promise<RoleRow | undefined> {
  return db.selectFrom('role').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
}

export async function insertRole(db: Queryable, row: RoleRow): Promise<void> {
  await db.insertInto('role').values(row).execute();
}

export async function updateRole(db: Queryable, row: RoleRow): Promise<void> {
  await db.updateTable('role').set(row).where('id', '=', row.id).execute();
}

/** Removes the role with its grants and every inference rule that names it (call inside a transaction). */
export async function deleteRoleCascade(tx: Queryable, id: string): Promise<void> {
  await tx.deleteFrom('assignment').where('role_id', '=', id).execute();
  await tx.deleteFrom('implied_role').where((eb) => eb.or([eb('prior_role_id', '=', id), eb('implied_role_id', '=', id)])).execute();
  await tx.deleteFrom('role').where('id', '=', id).execute();
}

/** Direct inference rules of one prior role. */
export async function impliedRoleIds(db: Queryable, priorId: string): Promise<string[]> {
  const rows = await db.selectFrom('implied_role').select('implied_role_id').where('prior_role_id', '=', priorId).execute();
  return rows.map((r) => r.implied_role_id);
}

export async function hasImpliedRule(db: Queryable, priorId: string, impliedId: string): Promise<boolean> {
  const row = await db.selectFrom('implied_role').select('prior_role_id')
    .where('prior_role_id', '=', priorId).where('implied_role_id', '=', impliedId).executeTakeFirst();
  return row !== undefined;
}

/** Adds the rule; a rule that already exists is left as it is. */
export async function insertImpliedRule(db: Queryable, priorId: string, impliedId: string): Promise<void> {
  if (await hasImpliedRule(db, priorId, impliedId)) return;
  await db.insertInto('implied_role').values({ prior_role_id: priorId, implied_role_id: impliedId }).execute();
}

export async function deleteImpliedRule(db: Queryable, priorId: string, impliedId: string): Promise<void> {
  await db.deleteFrom('implied_role').where('prior_role_id', '=', priorId).where('implied_role_id', '=', impliedId).execute();
}
