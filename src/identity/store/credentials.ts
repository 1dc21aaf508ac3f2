import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { CredentialTable } from './schema.js';

export type CredentialRow = Selectable<CredentialTable>;

export async function getCredentialRow(db: Queryable, id: string): Promise<CredentialRow | undefined> {
  return db.selectFrom('credential').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface CredentialFilters {
  userId?: string;
  type?: string;
}

export async function listCredentialRows(db: Queryable, f: CredentialFilters): Promise<CredentialRow[]> {
  let q = db.selectFrom('credential').selectAll();
  if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  return q.orderBy('id').execute();
}

export async function insertCredential(db: Queryable, row: CredentialRow): Promise<void> {
  await db.insertInto('credential').values(row).execute();
}

export async function updateCredentialRow(db: Queryable, id: string, patch: Partial<Omit<CredentialRow, 'id'>>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('credential').set(patch).where('id', '=', id).execute();
}

export async function deleteCredentialRow(db: Queryable, id: string): Promise<void> {
  await db.deleteFrom('credential').where('id', '=', id).execute();
}
