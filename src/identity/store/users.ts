import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
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
