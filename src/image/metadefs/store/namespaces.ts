import type { Namespace } from '../model.js';
import { type MetadefDb, namespaceFromRow, storedTime } from './rows.js';

/** What a create or an update writes to a namespace: everything but its id and times. */
export type NamespaceValues = Omit<Namespace, 'id' | 'createdAt' | 'updatedAt'>;

/** Which namespaces a listing considers, before ordering and paging. */
export interface NamespaceFilter {
  /**
   * Restricts to what a non-admin sees: the project's own namespaces and public ones
   * (only public ones with no project). Absent for admins, who see everything.
   */
  visibleTo?: { project: string | null };
  /** Exact visibility. */
  visibility?: string;
  /** Only namespaces associated with at least one of these resource types. */
  resourceTypes?: readonly string[];
}

export async function getNamespace(db: MetadefDb, name: string): Promise<Namespace | undefined> {
  const row = await db.selectFrom('metadef_namespaces').selectAll().where('namespace', '=', name).executeTakeFirst();
  return row ? namespaceFromRow(row) : undefined;
}

export async function findNamespaces(db: MetadefDb, filter: NamespaceFilter): Promise<Namespace[]> {
  let q = db.selectFrom('metadef_namespaces').selectAll();
  const scope = filter.visibleTo;
  if (scope) {
    const project = scope.project;
    q = project === null
      ? q.where('visibility', '=', 'public')
      : q.where((eb) => eb.or([eb('owner', '=', project), eb('visibility', '=', 'public')]));
  }
  if (filter.visibility !== undefined) q = q.where('visibility', '=', filter.visibility);
  const types = filter.resourceTypes;
  if (types !== undefined) {
    if (types.length === 0) return [];
    q = q.where('id', 'in', (eb) => eb.selectFrom('metadef_namespace_resource_types as a')
      .innerJoin('metadef_resource_types as t', 't.id', 'a.resource_type_id')
      .select('a.namespace_id')
      .where('t.name', 'in', [...types]));
  }
  return (await q.execute()).map(namespaceFromRow);
}

/** Inserts a namespace; a taken name surfaces as the engine's unique violation. */
export async function insertNamespace(db: MetadefDb, values: NamespaceValues, now: Date): Promise<Namespace> {
  const at = storedTime(now);
  await db.insertInto('metadef_namespaces').values({ ...columns(values), created_at: at, updated_at: at }).execute();
  // Read back by the unique name: portable where RETURNING and insert ids are not.
  const created = await getNamespace(db, values.namespace);
  if (!created) throw new Error(`namespace ${values.namespace} vanished after insert`);
  return created;
}

/** Rewrites every field of a namespace (Glance's update replaces, it does not merge). */
export async function updateNamespace(db: MetadefDb, id: number, values: NamespaceValues, now: Date): Promise<void> {
  await db.updateTable('metadef_namespaces').set({ ...columns(values), updated_at: storedTime(now) }).where('id', '=', id).execute();
}

/** Removes a namespace with everything in it. Run inside a transaction. */
export async function deleteNamespace(db: MetadefDb, id: number): Promise<void> {
  for (const table of ['metadef_tags', 'metadef_objects', 'metadef_properties', 'metadef_namespace_resource_types'] as const) {
    await db.deleteFrom(table).where('namespace_id', '=', id).execute();
  }
  await db.deleteFrom('metadef_namespaces').where('id', '=', id).execute();
}

/** Removes all objects, properties or tags of a namespace, leaving the namespace. */
export async function deleteNamespaceContent(db: MetadefDb, id: number, content: 'objects' | 'properties' | 'tags'): Promise<void> {
  await db.deleteFrom(`metadef_${content}`).where('namespace_id', '=', id).execute();
}

function columns(v: NamespaceValues) {
  return {
    namespace: v.namespace,
    display_name: v.displayName,
    description: v.description,
    visibility: v.visibility,
    protected: v.protected ? 1 : 0,
    owner: v.owner,
  };
}
