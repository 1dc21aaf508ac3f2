import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { ConsumerTable } from './schema.js';
import { deleteConsumerTokens } from './oauth1-tokens.js';

export type ConsumerRow = Selectable<ConsumerTable>;

export async function getConsumerRow(db: Queryable, id: string): Promise<ConsumerRow | undefined> {
  return db.selectFrom('consumer').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listConsumerRows(db: Queryable): Promise<ConsumerRow[]> {
  return db.selectFrom('consumer').selectAll().orderBy('id').execute();
}

export async function insertConsumer(db: Queryable, row: ConsumerRow): Promise<void> {
  await db.insertInto('consumer').values(row).execute();
}

export async function updateConsumer(db: Queryable, id: string, changes: { description: string | null; extra: string }): Promise<void> {
  await db.updateTable('consumer').set(changes).where('id', '=', id).execute();
}

/** False when there was no such consumer. Its request and access tokens go with it, as in Keystone. */
export async function deleteConsumer(db: Queryable, id: string): Promise<boolean> {
  await deleteConsumerTokens(db, id);
  const res = await db.deleteFrom('consumer').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
