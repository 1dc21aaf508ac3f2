/** Writing namespaces: create (with contents), update, delete. */
import { BadRequestError, ForbiddenError } from '../../core/http/index.js';
import type { Caller } from './access.js';
import { mandatory, uniquely } from './conflicts.js';
import type { Namespace, PropertyType } from './model.js';
import { toPropertyTypes } from './property-type.js';
import { deleteNamespace as removeNamespace, deleteNamespaceContent, getNamespace, insertNamespace, updateNamespace as writeNamespace, type NamespaceValues } from './store/namespaces.js';
import { insertObject } from './store/objects.js';
import { insertProperty } from './store/properties.js';
import { ensureResourceType, insertAssociation } from './store/resource-types.js';
import { insertTag } from './store/tags.js';
import { duplicateTag } from './tags.js';

/** A namespace body that passed the namespace schema. */
export interface NamespaceInput {
  namespace: string;
  display_name?: string;
  description?: string;
  visibility?: string;
  protected?: boolean;
  owner?: string;
  resource_type_associations?: Array<{ name?: string; prefix?: string; properties_target?: string }>;
  properties?: Record<string, unknown>;
  objects?: Array<{ name?: string; description?: string; required?: string[]; properties?: Record<string, unknown> }>;
  tags?: Array<{ name?: string }>;
}

/** What a create answers with: the namespace and its contents as the request gave them. */
export interface CreatedNamespace {
  ns: Namespace;
  given: {
    resource_type_associations?: Array<Record<string, unknown>>;
    properties?: Record<string, PropertyType>;
    objects?: Array<Record<string, unknown>>;
    tags?: Array<{ name: string }>;
  };
}

const duplicateNamespace = (name: string) => `The metadata definition namespace=${name} already exists.`;
export const protectedNamespace = (name: string) => new ForbiddenError(`Metadata definition namespace ${name} is protected and cannot be deleted.`);

/** POST /v2/metadefs/namespaces: the namespace and everything it brings, or nothing. */
export async function createNamespace(caller: Caller, input: NamespaceInput): Promise<CreatedNamespace> {
  const associations = (input.resource_type_associations ?? []).map((a) => ({ ...a, name: mandatory(a.name, 'name') }));
  const objects = (input.objects ?? []).map((o) => ({ ...o, name: mandatory(o.name, 'name') }));
  const tags = (input.tags ?? []).map((t) => ({ name: mandatory(t.name, 'name') }));
  const properties = toPropertyTypes(input.properties);
  caller.enforce('add_metadef_namespace');
  if (associations.length) caller.enforce('add_metadef_resource_type_association');
  if (objects.length) caller.enforce('add_metadef_object');
  if (Object.keys(properties).length) caller.enforce('add_metadef_property');
  if (tags.length) caller.enforce('add_metadef_tag');

  const owner = input.owner ?? caller.project;
  if (owner === null) throw new BadRequestError("Couldn't create metadata namespace: a namespace needs an owner (give one or use a project-scoped token)");
  const name = input.namespace;
  const now = caller.deps.clock.now();
  // One transaction: Glance creates the parts one by one and tries to clean up on a
  // failure; here a duplicate object or tag leaves no namespace behind at all.
  const ns = await caller.deps.db.transaction().execute(async (tx) => {
    const created = await uniquely(() => insertNamespace(tx, {
      namespace: name,
      displayName: input.display_name ?? null,
      description: input.description ?? null,
      visibility: input.visibility || 'private',
      protected: input.protected ?? false,
      owner,
    }, now), duplicateNamespace(name));
    for (const a of associations) {
      const type = await ensureResourceType(tx, a.name, now);
      await uniquely(() => insertAssociation(tx, created.id, type, { prefix: a.prefix ?? null, propertiesTarget: a.properties_target ?? null }, now),
        `The metadata definition resource-type association of resource-type=${a.name} to namespace=${name} already exists.`);
    }
    for (const o of objects) {
      await uniquely(() => insertObject(tx, created.id, {
        name: o.name, description: o.description ?? null, required: o.required ?? null, properties: toPropertyTypes(o.properties),
      }, now), `A metadata definition object with name=${o.name} already exists in namespace=${name}.`);
    }
    for (const t of tags) await uniquely(() => insertTag(tx, created.id, t.name, now), duplicateTag(t.name, name));
    for (const [propName, schema] of Object.entries(properties)) await insertProperty(tx, created.id, propName, schema, now);
    return created;
  });

  const given: CreatedNamespace['given'] = {};
  if (input.resource_type_associations) given.resource_type_associations = associations.map((a) => pick(a, ['name', 'prefix', 'properties_target']));
  if (input.properties) given.properties = properties;
  if (input.objects) {
    given.objects = objects.map((o) => ({ ...pick(o, ['name', 'required', 'description']), ...(o.properties ? { properties: toPropertyTypes(o.properties) } : {}) }));
  }
  if (input.tags) given.tags = tags;
  return { ns, given };
}

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (source[k] !== undefined) out[k] = source[k];
  return out;
}

/** PUT /v2/metadefs/namespaces/{ns}: every field is replaced; unset ones take create's defaults. */
export async function updateNamespace(caller: Caller, name: string, input: NamespaceInput): Promise<Namespace> {
  const ns = await caller.namespace(name);
  caller.enforce('modify_metadef_namespace', ns);
  const owner = input.owner || caller.project || ns.owner;
  const values: NamespaceValues = {
    namespace: input.namespace,
    displayName: input.display_name ?? null,
    description: input.description ?? null,
    visibility: input.visibility || 'private',
    protected: input.protected ?? false,
    owner,
  };
  await uniquely(() => writeNamespace(caller.deps.db, ns.id, values, caller.deps.clock.now()),
    `Invalid update. It would result in a duplicate metadata definition namespace with the same name of ${input.namespace}`);
  const updated = await getNamespace(caller.deps.db, input.namespace);
  if (!updated) throw new Error(`namespace ${input.namespace} vanished after update`);
  return updated;
}

/** DELETE /v2/metadefs/namespaces/{ns}: the namespace and its contents, unless protected. */
export async function deleteNamespace(caller: Caller, name: string): Promise<void> {
  const ns = await caller.namespace(name);
  caller.enforce('delete_metadef_namespace', ns);
  if (ns.protected) throw protectedNamespace(ns.namespace);
  await caller.deps.db.transaction().execute((tx) => removeNamespace(tx, ns.id));
}

/**
 * DELETE /v2/metadefs/namespaces/{ns}/objects|properties|tags: empties the namespace
 * of one kind of content. Glance treats it as a partial delete of the namespace, so
 * it takes the namespace's delete rule (and for tags delete_metadef_tags as well) and
 * a protected namespace refuses it.
 */
export async function deleteContent(caller: Caller, name: string, content: 'objects' | 'properties' | 'tags'): Promise<void> {
  const ns = await caller.namespace(name);
  caller.enforce('delete_metadef_namespace', ns);
  if (content === 'tags') caller.enforce('delete_metadef_tags', ns);
  if (ns.protected) throw protectedNamespace(ns.namespace);
  await deleteNamespaceContent(caller.deps.db, ns.id, content);
}
