/** Reading namespaces: the paged listing and the full view of one. */
import { ForbiddenError } from '../../core/http/index.js';
import { namespaceNotFound, type Caller } from './access.js';
import type { Association, MetadefObject, MetadefTag, Namespace, PropertyType } from './model.js';
import { page, type SortColumns } from './ordering.js';
import { prefixKeys, toPropertyType } from './property-type.js';
import { findNamespaces, getNamespace } from './store/namespaces.js';
import { listObjects } from './store/objects.js';
import { listProperties } from './store/properties.js';
import { listAssociations } from './store/resource-types.js';
import { listTags } from './store/tags.js';

/** A parsed GET /v2/metadefs/namespaces query. */
export interface NamespaceListQuery {
  limit: number;
  marker?: string;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  visibility?: string;
  resourceTypes?: string[];
}

const NAMESPACE_COLUMNS: SortColumns<Namespace> = {
  id: (n) => n.id,
  namespace: (n) => n.namespace,
  display_name: (n) => n.displayName,
  description: (n) => n.description,
  visibility: (n) => n.visibility,
  protected: (n) => n.protected,
  owner: (n) => n.owner,
  created_at: (n) => n.createdAt,
  updated_at: (n) => n.updatedAt,
};

export interface ListedNamespace {
  ns: Namespace;
  associations: Association[];
}

/** GET /v2/metadefs/namespaces: one page of the namespaces the caller may see. */
export async function listNamespaces(caller: Caller, query: NamespaceListQuery): Promise<{ namespaces: ListedNamespace[]; next?: string }> {
  caller.enforce('get_metadef_namespaces');
  // The listing shows associations too, so Glance asks for that right up front.
  caller.enforce('list_metadef_resource_types');
  const db = caller.deps.db;
  let marker: Namespace | undefined;
  if (query.marker !== undefined) {
    marker = await getNamespace(db, query.marker);
    if (!marker) throw namespaceNotFound(query.marker);
    if (!caller.canSee(marker)) throw new ForbiddenError(`Forbidding request, metadata definition namespace=${query.marker} is not visible.`);
  }
  const candidates = await findNamespaces(db, {
    ...(caller.admin ? {} : { visibleTo: { project: caller.project } }),
    ...(query.visibility !== undefined ? { visibility: query.visibility } : {}),
    ...(query.resourceTypes ? { resourceTypes: query.resourceTypes } : {}),
  });
  const onPage = page(candidates, NAMESPACE_COLUMNS, { sortKey: query.sortKey, sortDir: query.sortDir, limit: query.limit, ...(marker ? { marker } : {}) })
    .filter((ns) => caller.allows('get_metadef_namespace', ns));
  const associations = await listAssociations(db, onPage.map((ns) => ns.id));
  const namespaces = onPage.map((ns) => ({ ns, associations: associations.filter((a) => a.namespaceId === ns.id) }));
  const last = onPage[onPage.length - 1];
  return last && onPage.length === query.limit ? { namespaces, next: last.namespace } : { namespaces };
}

/** A namespace with everything in it, as GET /namespaces/{ns} shows it. */
export interface NamespaceDetail {
  ns: Namespace;
  associations: Association[];
  properties: Record<string, PropertyType>;
  objects: MetadefObject[];
  tags: MetadefTag[];
}

/**
 * GET /v2/metadefs/namespaces/{ns}. With `resourceType`, property names (the
 * namespace's and its objects', and objects' required lists) carry the prefix of the
 * namespace's association with that resource type, as they would be applied to it.
 */
export async function showNamespace(caller: Caller, name: string, resourceType?: string): Promise<NamespaceDetail> {
  const ns = await caller.namespace(name, 'show');
  caller.enforce('get_metadef_namespace', ns);
  for (const rule of ['list_metadef_resource_types', 'get_metadef_objects', 'get_metadef_properties', 'get_metadef_tags']) caller.enforce(rule, ns);
  const db = caller.deps.db;
  const [objects, associations, properties, tags] = await Promise.all([
    listObjects(db, ns.id), listAssociations(db, [ns.id]), listProperties(db, ns.id), listTags(db, ns.id),
  ]);
  const detail: NamespaceDetail = {
    ns,
    associations,
    properties: Object.fromEntries(properties.map((p) => [p.name, toPropertyType(p.schema)])),
    objects,
    tags: page(tags, TAG_ORDER, { sortKey: 'created_at', sortDir: 'desc' }),
  };
  const prefix = resourceType ? associations.find((a) => a.name === resourceType)?.prefix : undefined;
  if (!prefix) return detail;
  return {
    ...detail,
    properties: prefixKeys(detail.properties, prefix),
    objects: objects.map((o) => ({ ...o, properties: prefixKeys(o.properties, prefix), required: o.required.map((r) => prefix + r) })),
  };
}

const TAG_ORDER: SortColumns<MetadefTag> = { id: (t) => t.id, created_at: (t) => t.createdAt };
