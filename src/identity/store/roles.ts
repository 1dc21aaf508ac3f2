import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { AssignmentType, RoleTable } from './schema.js';

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
