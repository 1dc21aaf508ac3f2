import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { PolicyTable } from './schema.js';

export type PolicyRow = Selectable<PolicyTable>;

export async function getPolicyRow(db: Queryable, id: string): Promise<PolicyRow | undefined> {
  return db.selectFrom('policy').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listPolicyRows(db: Queryable, type?: string): Promise<PolicyRow[]> {
  let q = db.selectFrom('policy').selectAll();
  if (type !== undefined) q = q.where('type', '=', type);
  return q.orderBy('id').execute();
}

export async function insertPolicy(db: Queryable, row: PolicyRow): Promise<void> {
  await db.insertInto('policy').values(row).execute();
}

export async function updatePolicy(db: Queryable, row: PolicyRow): Promise<void> {
  await db.updateTable('policy').set(row).where('id', '=', row.id).execute();
}

export async function deletePolicy(db: Queryable, id: string): Promise<void> {
  await db.deleteFrom('policy').where('id', '=', id).execute();
}
