import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { RevocationEventTable } from './schema.js';

export type RevocationRow = Selectable<RevocationEventTable>;
export type NewRevocation = Omit<RevocationRow, 'id'>;

export async function insertRevocation(db: Queryable, event: NewRevocation): Promise<void> {
  await db.insertInto('revocation_event').values(event).execute();
}

export async function revocationsSince(db: Queryable, afterId: number): Promise<RevocationRow[]> {
  return db.selectFrom('revocation_event').selectAll().where('id', '>', afterId).orderBy('id').execute();
}

/** Events older than the longest token lifetime can never match a valid token again. */
export async function pruneRevocations(db: Queryable, revokedBefore: string): Promise<void> {
  await db.deleteFrom('revocation_event').where('revoked_at', '<', revokedBefore).execute();
}
