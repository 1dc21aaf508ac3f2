import type { MetadefTag } from '../model.js';
import { type MetadefDb, storedTime, tagFromRow } from './rows.js';

/** A namespace's tags, unordered (the domain orders and pages them). */
export async function listTags(db: MetadefDb, namespaceId: number): Promise<MetadefTag[]> {
  const rows = await db.selectFrom('metadef_tags').selectAll().where('namespace_id', '=', namespaceId).execute();
  return rows.map(tagFromRow);
}

export async function getTag(db: MetadefDb, namespaceId: number, name: string): Promise<MetadefTag | undefined> {
  const row = await db.selectFrom('metadef_tags').selectAll().where('namespace_id', '=', namespaceId).where('name', '=', name).executeTakeFirst();
  return row ? tagFromRow(row) : undefined;
}

/** Inserts a tag; a name taken in the namespace surfaces as a unique violation. */
export async function insertTag(db: MetadefDb, namespaceId: number, name: string, now: Date): Promise<MetadefTag> {
  const at = storedTime(now);
  await db.insertInto('metadef_tags').values({ namespace_id: namespaceId, name, created_at: at, updated_at: at }).execute();
  const created = await getTag(db, namespaceId, name);
  if (!created) throw new Error(`tag ${name} vanished after insert`);
  return created;
}

export async function renameTag(db: MetadefDb, id: number, name: string, now: Date): Promise<void> {
  await db.updateTable('metadef_tags').set({ name, updated_at: storedTime(now) }).where('id', '=', id).execute();
}

export async function deleteTag(db: MetadefDb, id: number): Promise<void> {
  await db.deleteFrom('metadef_tags').where('id', '=', id).execute();
}
