import type { Association, ResourceType } from '../model.js';
import { associationFromRow, type MetadefDb, resourceTypeFromRow, storedTime } from './rows.js';

/** Every resource type, seeded ones first (in seed order), then in creation order. */
export async function listResourceTypes(db: MetadefDb): Promise<ResourceType[]> {
  return (await db.selectFrom('metadef_resource_types').selectAll().orderBy('id').execute()).map(resourceTypeFromRow);
}

export async function getResourceType(db: MetadefDb, name: string): Promise<ResourceType | undefined> {
  const row = await db.selectFrom('metadef_resource_types').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? resourceTypeFromRow(row) : undefined;
}

/**
 * The resource type of that name, created (unprotected) when missing, as associating
 * a namespace with an unknown type does in Glance. Two requests creating the same new
 * type at the same moment: the unique name lets one win and the other fail (500);
 * a retry then finds the type.
 */
export async function ensureResourceType(db: MetadefDb, name: string, now: Date): Promise<ResourceType> {
  const existing = await getResourceType(db, name);
  if (existing) return existing;
  const at = storedTime(now);
  await db.insertInto('metadef_resource_types').values({ name, protected: 0, created_at: at, updated_at: at }).execute();
  const created = await getResourceType(db, name);
  if (!created) throw new Error(`resource type ${name} vanished after insert`);
  return created;
}

/** The associations of the given namespaces, each named by its resource type, in creation order. */
export async function listAssociations(db: MetadefDb, namespaceIds: readonly number[]): Promise<Association[]> {
  if (namespaceIds.length === 0) return [];
  const rows = await db.selectFrom('metadef_namespace_resource_types as a')
    .innerJoin('metadef_resource_types as t', 't.id', 'a.resource_type_id')
    .selectAll('a')
    .select('t.name')
    .where('a.namespace_id', 'in', [...namespaceIds])
    .orderBy('a.created_at').orderBy('t.id')
    .execute();
  return rows.map(associationFromRow);
}

/** Associates a namespace with a resource type; an existing pair surfaces as a unique violation. */
export async function insertAssociation(db: MetadefDb, namespaceId: number, type: ResourceType, values: { prefix: string | null; propertiesTarget: string | null }, now: Date): Promise<Association> {
  const at = storedTime(now);
  await db.insertInto('metadef_namespace_resource_types').values({
    namespace_id: namespaceId, resource_type_id: type.id, prefix: values.prefix, properties_target: values.propertiesTarget, created_at: at, updated_at: at,
  }).execute();
  return { namespaceId, resourceTypeId: type.id, name: type.name, prefix: values.prefix, propertiesTarget: values.propertiesTarget, createdAt: now, updatedAt: now };
}

export async function deleteAssociation(db: MetadefDb, namespaceId: number, resourceTypeId: number): Promise<void> {
  await db.deleteFrom('metadef_namespace_resource_types').where('namespace_id', '=', namespaceId).where('resource_type_id', '=', resourceTypeId).execute();
}
