import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { AssignmentTable, AssignmentType } from './schema.js';

export type AssignmentRow = Selectable<AssignmentTable>;

/** Target id of every system assignment (Keystone stores the same marker). */
export const SYSTEM_TARGET = 'system';

/** One grant as the grant APIs name it. */
export interface Grant {
  type: AssignmentType;
  actorId: string;
  targetId: string;
  roleId: string;
  inherited: boolean;
}

const whereGrant = (g: Grant) => ({ type: g.type, actor_id: g.actorId, target_id: g.targetId, role_id: g.roleId, inherited: g.inherited ? 1 : 0 });

export async function hasGrant(db: Queryable, g: Grant): Promise<boolean> {
  const w = whereGrant(g);
  const row = await db.selectFrom('assignment').select('role_id')
    .where('type', '=', w.type).where('actor_id', '=', w.actor_id).where('target_id', '=', w.target_id)
    .where('role_id', '=', w.role_id).where('inherited', '=', w.inherited)
    .executeTakeFirst();
  return row !== undefined;
}

/** Adds the grant; granting what is already granted is a no-op, as in Keystone. */
export async function insertGrant(db: Queryable, g: Grant): Promise<void> {
  if (await hasGrant(db, g)) return;
  await db.insertInto('assignment').values(whereGrant(g)).execute();
}

export async function deleteGrant(db: Queryable, g: Grant): Promise<void> {
  const w = whereGrant(g);
  await db.deleteFrom('assignment')
    .where('type', '=', w.type).where('actor_id', '=', w.actor_id).where('target_id', '=', w.target_id)
    .where('role_id', '=', w.role_id).where('inherited', '=', w.inherited)
    .execute();
}

/** Role ids granted to one actor on one target (inherited or not). */
export async function grantedRoleIds(db: Queryable, type: AssignmentType, actorId: string, targetId: string, inherited: boolean): Promise<string[]> {
  const rows = await db.selectFrom('assignment').select('role_id')
    .where('type', '=', type).where('actor_id', '=', actorId).where('target_id', '=', targetId)
    .where('inherited', '=', inherited ? 1 : 0).execute();
  return rows.map((r) => r.role_id);
}

export interface AssignmentFilter {
  types: readonly AssignmentType[];
  roleId?: string;
  actorIds?: readonly string[];
  targetIds?: readonly string[];
  inherited?: boolean;
}

/** Raw assignment rows; an empty actorIds / targetIds list matches nothing. */
export async function listAssignmentRows(db: Queryable, f: AssignmentFilter): Promise<AssignmentRow[]> {
  if (f.types.length === 0 || f.actorIds?.length === 0 || f.targetIds?.length === 0) return [];
  let q = db.selectFrom('assignment').selectAll().where('type', 'in', [...f.types]);
  if (f.roleId !== undefined) q = q.where('role_id', '=', f.roleId);
  if (f.actorIds) q = q.where('actor_id', 'in', [...f.actorIds]);
  if (f.targetIds) q = q.where('target_id', 'in', [...f.targetIds]);
  if (f.inherited !== undefined) q = q.where('inherited', '=', f.inherited ? 1 : 0);
  return q.orderBy('role_id').orderBy('actor_id').orderBy('target_id').execute();
}

/** Every project (not domain) below `parentId`, at any depth. */
export async function projectSubtreeIds(db: Queryable, parentId: string): Promise<string[]> {
  const found: string[] = [];
  let frontier = [parentId];
  for (let depth = 0; frontier.length > 0 && depth < 64; depth++) {
    const rows = await db.selectFrom('project').select('id').where('is_domain', '=', 0).where('parent_id', 'in', frontier).execute();
    frontier = rows.map((r) => r.id).filter((id) => !found.includes(id));
    found.push(...frontier);
  }
  return found;
}

export async function projectIdsInDomain(db: Queryable, domainId: string): Promise<string[]> {
  const rows = await db.selectFrom('project').select('id').where('is_domain', '=', 0).where('domain_id', '=', domainId).orderBy('id').execute();
  return rows.map((r) => r.id);
}
