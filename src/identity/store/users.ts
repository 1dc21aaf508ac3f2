import type { Selectable } from 'kysely';
import { deleteUserOauthTokens } from './oauth1-tokens.js';
import type { Queryable } from './db.js';
import { deleteTrustsOf } from './trusts.js';
import type { PasswordTable, UserTable } from './schema.js';

export type UserRow = Selectable<UserTable>;
export type PasswordRow = Selectable<PasswordTable>;

export async function getUserRow(db: Queryable, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('user').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findUserByName(db: Queryable, name: string, domainId: string): Promise<UserRow | undefined> {
  return db.selectFrom('user').selectAll().where('domain_id', '=', domainId).where('name', '=', name).executeTakeFirst();
}

/** The user's current password (the newest row), if any. */
export async function currentPassword(db: Queryable, userId: string): Promise<PasswordRow | undefined> {
  return db.selectFrom('password').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** The newest `count` passwords, newest first (for unique_last_password_count). */
export async function recentPasswords(db: Queryable, userId: string, count: number): Promise<PasswordRow[]> {
  return db.selectFrom('password').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(count).execute();
}

export async function groupIdsOfUser(db: Queryable, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('user_group').select('group_id').where('user_id', '=', userId).execute();
  return rows.map((r) => r.group_id);
}

export async function recordFailedAuth(db: Queryable, userId: string, at: string): Promise<void> {
  await db.updateTable('user')
    .set((eb) => ({ failed_auth_count: eb('failed_auth_count', '+', 1), failed_auth_at: at }))
    .where('id', '=', userId).execute();
}

export async function recordSuccessfulAuth(db: Queryable, userId: string, at: string): Promise<void> {
  await db.updateTable('user').set({ failed_auth_count: 0, failed_auth_at: null, last_active_at: at })
    .where('id', '=', userId).execute();
}

export interface UserFilters {
  name?: string;
  domainId?: string;
  enabled?: boolean;
  ids?: readonly string[];
}

export async function listUserRows(db: Queryable, f: UserFilters): Promise<UserRow[]> {
  let q = db.selectFrom('user').selectAll();
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.domainId !== undefined) q = q.where('domain_id', '=', f.domainId);
  if (f.enabled !== undefined) q = q.where('enabled', '=', f.enabled ? 1 : 0);
  if (f.ids !== undefined) {
    if (f.ids.length === 0) return [];
    q = q.where('id', 'in', [...f.ids]);
  }
  return q.orderBy('name').orderBy('id').execute();
}

/** Expiry of each user's current password (null when it never expires or there is none). */
export async function passwordExpiries(db: Queryable, userIds: readonly string[]): Promise<Map<string, string | null>> {
  const map = new Map<string, string | null>();
  for (let i = 0; i < userIds.length; i += 500) {
    const chunk = userIds.slice(i, i + 500);
    const rows = await db.selectFrom('password').select(['user_id', 'expires_at'])
      .where('id', 'in', (eb) => eb.selectFrom('password').select((e) => e.fn.max('id').as('id')).where('user_id', 'in', chunk).groupBy('user_id'))
      .execute();
    for (const r of rows) map.set(r.user_id, r.expires_at);
  }
  return map;
}

export async function insertUser(db: Queryable, row: UserRow): Promise<void> {
  await db.insertInto('user').values(row).execute();
}

export async function updateUserRow(db: Queryable, id: string, patch: Partial<Omit<UserRow, 'id'>>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('user').set(patch).where('id', '=', id).execute();
}

export async function insertPassword(db: Queryable, row: Omit<PasswordRow, 'id'>): Promise<void> {
  await db.insertInto('password').values(row).execute();
}

/** Users who belong to a group, by name. */
export async function usersInGroup(db: Queryable, groupId: string): Promise<UserRow[]> {
  return db.selectFrom('user').selectAll()
    .where('id', 'in', (eb) => eb.selectFrom('user_group').select('user_id').where('group_id', '=', groupId))
    .orderBy('name').execute();
}

/**
 * Removes a user and everything that belongs to it: passwords, group memberships,
 * role assignments, credentials, application credentials, access rules, trusts and
 * the OAuth1 request and access tokens the user authorized.
 */
export async function deleteUserRow(db: Queryable, id: string): Promise<void> {
  await db.deleteFrom('password').where('user_id', '=', id).execute();
  await db.deleteFrom('user_group').where('user_id', '=', id).execute();
  await db.deleteFrom('assignment').where('actor_id', '=', id).where('type', 'in', ['UserProject', 'UserDomain', 'UserSystem']).execute();
  await db.deleteFrom('credential').where('user_id', '=', id).execute();
  const appCreds = db.selectFrom('application_credential').select('id').where('user_id', '=', id);
  await db.deleteFrom('application_credential_role').where('application_credential_id', 'in', appCreds).execute();
  await db.deleteFrom('application_credential_access_rule').where('application_credential_id', 'in', appCreds).execute();
  await db.deleteFrom('application_credential').where('user_id', '=', id).execute();
  await db.deleteFrom('access_rule').where('user_id', '=', id).execute();
  await deleteTrustsOf(db, { userId: id });
  await deleteUserOauthTokens(db, id);
  await db.deleteFrom('user').where('id', '=', id).execute();
}
