import { ForbiddenError, NotFoundError } from '../../core/http/index.js';
import type { Caller } from './access.js';
import { uniquely } from './conflicts.js';
import type { MetadefTag, Namespace } from './model.js';
import { page, type SortColumns } from './ordering.js';
import { deleteNamespaceContent } from './store/namespaces.js';
import { deleteTag as removeTag, getTag, insertTag, listTags as readTags, renameTag } from './store/tags.js';

export const duplicateTag = (tag: string, ns: string) =>
  `A metadata tag with name=${tag} already exists in namespace=${ns}. (Please note that metadata tag names are case insensitive).`;
const tagNotFound = (name: string) => new NotFoundError(`Could not find metadata tag ${name}`);

async function existing(caller: Caller, ns: Namespace, name: string): Promise<MetadefTag> {
  const tag = await getTag(caller.deps.db, ns.id, name);
  if (!tag) throw tagNotFound(name);
  return tag;
}

/** POST /namespaces/{ns}/tags/{name}. `validate` checks the name against the tag schema. */
export async function createTag(caller: Caller, namespace: string, name: string, validate: (name: string) => void): Promise<MetadefTag> {
  const ns = await caller.namespace(namespace);
  validate(name);
  caller.enforce('add_metadef_tag', ns);
  return uniquely(() => insertTag(caller.deps.db, ns.id, name, caller.deps.clock.now()), duplicateTag(name, ns.namespace));
}

/**
 * POST /namespaces/{ns}/tags: creates the tags, replacing all existing ones unless
 * `append` (X-Openstack-Append). All or nothing: a duplicate leaves the old tags.
 */
export async function createTags(caller: Caller, namespace: string, names: readonly string[], append: boolean): Promise<string[]> {
  const ns = await caller.namespace(namespace);
  caller.enforce('add_metadef_tags', ns);
  // Glance does nothing at all for an empty list, not even the replacing delete.
  if (names.length === 0) return [];
  const now = caller.deps.clock.now();
  await caller.deps.db.transaction().execute(async (tx) => {
    if (!append) await deleteNamespaceContent(tx, ns.id, 'tags');
    for (const name of names) await uniquely(() => insertTag(tx, ns.id, name, now), duplicateTag(name, ns.namespace));
  });
  return [...names];
}

/** A parsed GET /namespaces/{ns}/tags query. */
export interface TagListQuery {
  limit?: number;
  marker?: string;
  sortKey: string;
  sortDir: 'asc' | 'desc';
}

const TAG_COLUMNS: SortColumns<MetadefTag> = {
  id: (t) => t.id,
  namespace_id: (t) => t.namespaceId,
  name: (t) => t.name,
  created_at: (t) => t.createdAt,
  updated_at: (t) => t.updatedAt,
};

/** GET /namespaces/{ns}/tags: sorted, optionally paged after the tag named by marker. */
export async function listTags(caller: Caller, namespace: string, query: TagListQuery): Promise<MetadefTag[]> {
  const ns = await caller.namespace(namespace);
  caller.enforce('get_metadef_tags', ns);
  const marker = query.marker === undefined ? undefined : await existing(caller, ns, query.marker);
  return page(await readTags(caller.deps.db, ns.id), TAG_COLUMNS, {
    sortKey: query.sortKey, sortDir: query.sortDir, ...(marker ? { marker } : {}), ...(query.limit !== undefined ? { limit: query.limit } : {}),
  });
}

/** GET /namespaces/{ns}/tags/{name}. */
export async function showTag(caller: Caller, namespace: string, name: string): Promise<MetadefTag> {
  const ns = await caller.namespace(namespace);
  caller.enforce('get_metadef_tag', ns);
  return existing(caller, ns, name);
}

/** PUT /namespaces/{ns}/tags/{name}: renames the tag. */
export async function updateTag(caller: Caller, namespace: string, name: string, newName: string): Promise<MetadefTag> {
  const ns = await caller.namespace(namespace);
  caller.enforce('modify_metadef_tag', ns);
  const tag = await existing(caller, ns, name);
  await uniquely(() => renameTag(caller.deps.db, tag.id, newName, caller.deps.clock.now()), duplicateTag(newName, ns.namespace));
  return existing(caller, ns, newName);
}

/** DELETE /namespaces/{ns}/tags/{name}; the tags of a protected namespace stay. */
export async function deleteTag(caller: Caller, namespace: string, name: string): Promise<void> {
  const ns = await caller.namespace(namespace);
  caller.enforce('delete_metadef_tag', ns);
  const tag = await existing(caller, ns, name);
  if (ns.protected) throw new ForbiddenError(`Metadata definition tag ${name} is protected and cannot be deleted.`);
  await removeTag(caller.deps.db, tag.id);
}
