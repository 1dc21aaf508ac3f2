import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { GroupTable } from './schema.js';

export type GroupRow = Selectable<GroupTable>;

export async function getGroupRow(db: Queryable, id: string): Promise<GroupRow | undefined> {
  return db.selectFrom('group').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface GroupFilters {
  name?: string;
  domainId?: string;
}

export async function listGroupRows(db: Queryable, f: GroupFilters): Promise<GroupRow[]> {
  let q = db.selectFrom('group').selectAll();
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.domainId !== undefined) q = q.where('domain_id', '=', f.domainId);
  return q.orderBy('name').orderBy('id').execute();
}

/** Groups a user is a member of, by name. */
export async function groupsOfUser(db: Queryable, userId: string): Promise<GroupRow[]> {
  return db.selectFrom('group').selectAll()
    .where('id', 'in', (eb) => eb.selectFrom('user_group').select('group_id').where('user_id', '=', userId))
    .orderBy('name').execute();
}

export async function insertGroup(db: Queryable, row: GroupRow): Promise<void> {
  await db.insertInto('group').values(row).execute();
}

export async function updateGroupRow(db: Queryable, id: string, patch: Partial<Omit<GroupRow, 'id'>>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('group').set(patch).where('id', '=', id).execute();
}

export async function isMember(db: Queryable, groupId: string, userId: string): Promise<boolean> {
  const row = await db.selectFrom('user_group').select('user_id').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}

/** Adds a membership; adding an existing one is a no-op, as in Keystone. */
export async function addMember(db: Queryable, groupId: string, userId: string): Promise<void> {
  if (await isMember(db, groupId, userId)) return;
  await db.insertInto('user_group').values({ group_id: groupId, user_id: userId }).execute();
}

export async function removeMember(db: Queryable, groupId: string, userId: string): Promise<void> {
  await db.deleteFrom('user_group').where('group_id', '=', groupId).where('user_id', '=', userId).execute();
}

export async function memberIds(db: Queryable, groupId: string): Promise<string[]> {
  const rows = await db.selectFrom('user_group').select('user_id').where('group_id', '=', groupId).execute();
  return rows.map((r) => r.user_id);
}

/** True when the group holds any role assignment (its deletion then changes members' tokens). */
export async function groupHasAssignments(db: Queryable, groupId: string): Promise<boolean> {
  const row = await db.selectFrom('assignment').select('role_id').where('actor_id', '=', groupId)
    .where('type', 'in', ['GroupProject', 'GroupDomain', 'GroupSystem']).executeTakeFirst();
  return row !== undefined;
}

/** Removes a group, its memberships and its role assignments. */
export async function deleteGroupRow(db: Queryable, id: string): Promise<void> {
  await db.deleteFrom('user_group').where('group_id', '=', id).execute();
  await db.deleteFrom('assignment').where('actor_id', '=', id).where('type', 'in', ['GroupProject', 'GroupDomain', 'GroupSystem']).execute();
  await db.deleteFrom('group').where('id', '=', id).execute();
}
