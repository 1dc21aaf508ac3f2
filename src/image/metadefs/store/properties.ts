import type { MetadefProperty, PropertyType } from '../model.js';
import { type MetadefDb, propertyFromRow, storedTime } from './rows.js';

/** A namespace's properties in creation order. */
export async function listProperties(db: MetadefDb, namespaceId: number): Promise<MetadefProperty[]> {
  const rows = await db.selectFrom('metadef_properties').selectAll().where('namespace_id', '=', namespaceId).orderBy('id').execute();
  return rows.map(propertyFromRow);
}

export async function getProperty(db: MetadefDb, namespaceId: number, name: string): Promise<MetadefProperty | undefined> {
  const row = await db.selectFrom('metadef_properties').selectAll().where('namespace_id', '=', namespaceId).where('name', '=', name).executeTakeFirst();
  return row ? propertyFromRow(row) : undefined;
}

/** Inserts a property; a name taken in the namespace surfaces as a unique violation. */
export async function insertProperty(db: MetadefDb, namespaceId: number, name: string, schema: PropertyType, now: Date): Promise<MetadefProperty> {
  const at = storedTime(now);
  await db.insertInto('metadef_properties').values({ namespace_id: namespaceId, name, json_schema: JSON.stringify(schema), created_at: at, updated_at: at }).execute();
  const created = await getProperty(db, namespaceId, name);
  if (!created) throw new Error(`property ${name} vanished after insert`);
  return created;
}

export async function updateProperty(db: MetadefDb, id: number, name: string, schema: PropertyType, now: Date): Promise<void> {
  await db.updateTable('metadef_properties').set({ name, json_schema: JSON.stringify(schema), updated_at: storedTime(now) }).where('id', '=', id).execute();
}

export async function deleteProperty(db: MetadefDb, id: number): Promise<void> {
  await db.deleteFrom('metadef_properties').where('id', '=', id).execute();
}
