import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { ApplicationCredentialTable } from './schema.js';

export type AppCredRow = Selectable<ApplicationCredentialTable>;

export async function getAppCredRow(db: Queryable, id: string): Promise<AppCredRow | undefined> {
  return db.selectFrom('application_credential').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findAppCredByName(db: Queryable, userId: string, name: string): Promise<AppCredRow | undefined> {
  return db.selectFrom('application_credential').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
}

export async function appCredRoleIds(db: Queryable, id: string): Promise<string[]> {
  const rows = await db.selectFrom('application_credential_role').select('role_id').where('application_credential_id', '=', id).execute();
  return rows.map((r) => r.role_id);
}
