import type { MetadefObject, PropertyType } from '../model.js';
import { type MetadefDb, objectFromRow, storedTime } from './rows.js';

/** What a create or an update writes to an object. */
export interface ObjectValues {
  name: string;
  description: string | null;
  required: readonly string[] | null;
  properties: Record<string, PropertyType> | null;
}

/** A namespace's objects in creation order. */
export async function listObjects(db: MetadefDb, namespaceId: number): Promise<MetadefObject[]> {
  const rows = await db.selectFrom('metadef_objects').selectAll().where('namespace_id', '=', namespaceId).orderBy('id').execute();
  return rows.map(objectFromRow);
}

export async function getObject(db: MetadefDb, namespaceId: number, name: string): Promise<MetadefObject | undefined> {
  const row = await db.selectFrom('metadef_objects').selectAll().where('namespace_id', '=', namespaceId).where('name', '=', name).executeTakeFirst();
  return row ? objectFromRow(row) : undefined;
}

/** Inserts an object; a name taken in the namespace surfaces as a unique violation. */
export async function insertObject(db: MetadefDb, namespaceId: number, values: ObjectValues, now: Date): Promise<MetadefObject> {
  const at = storedTime(now);
  await db.insertInto('metadef_objects').values({ namespace_id: namespaceId, ...columns(values), created_at: at, updated_at: at }).execute();
  const created = await getObject(db, namespaceId, values.name);
  if (!created) throw new Error(`object ${values.name} vanished after insert`);
  return created;
}

export async function updateObject(db: MetadefDb, id: number, values: ObjectValues, now: Date): Promise<void> {
  await db.updateTable('metadef_objects').set({ ...columns(values), updated_at: storedTime(now) }).where('id', '=', id).execute();
}

export async function deleteObject(db: MetadefDb, id: number): Promise<void> {
  await db.deleteFrom('metadef_objects').where('id', '=', id).execute();
}

function columns(v: ObjectValues) {
  return {
    name: v.name,
    description: v.description,
    // Glance stores no list at all for an empty one; both read back as [].
    required: v.required && v.required.length ? JSON.stringify(v.required) : null,
    json_schema: JSON.stringify(v.properties ?? {}),
  };
}
