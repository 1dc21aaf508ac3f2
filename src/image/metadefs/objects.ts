import { ForbiddenError, NotFoundError } from '../../core/http/index.js';
import type { Caller } from './access.js';
import { uniquely } from './conflicts.js';
import type { MetadefObject, Namespace } from './model.js';
import { toPropertyTypes } from './property-type.js';
import { deleteObject as removeObject, getObject, insertObject, listObjects as readObjects, updateObject as writeObject, type ObjectValues } from './store/objects.js';

/** An object body that passed the object schema. */
export interface ObjectInput {
  name: string;
  description?: string;
  required?: string[];
  properties?: Record<string, unknown>;
}

const objectNotFound = (name: string) => new NotFoundError(`Could not find metadata object ${name}`);

function values(input: ObjectInput): ObjectValues {
  return { name: input.name, description: input.description ?? null, required: input.required ?? null, properties: toPropertyTypes(input.properties) };
}

async function existing(caller: Caller, ns: Namespace, name: string): Promise<MetadefObject> {
  const obj = await getObject(caller.deps.db, ns.id, name);
  if (!obj) throw objectNotFound(name);
  return obj;
}

/** POST /namespaces/{ns}/objects. */
export async function createObject(caller: Caller, namespace: string, input: ObjectInput): Promise<MetadefObject> {
  const ns = await caller.namespace(namespace, 'objects');
  caller.enforce('add_metadef_object', ns);
  return uniquely(() => insertObject(caller.deps.db, ns.id, values(input), caller.deps.clock.now()),
    `A metadata definition object with name=${input.name} already exists in namespace=${ns.namespace}.`);
}

/** GET /namespaces/{ns}/objects: all of them (Glance takes paging parameters here but does not page). */
export async function listObjects(caller: Caller, namespace: string): Promise<MetadefObject[]> {
  const ns = await caller.namespace(namespace, 'objects');
  caller.enforce('get_metadef_objects', ns);
  // Glance checks get_metadef_object on every object against the same namespace, so
  // one check decides for all.
  return caller.allows('get_metadef_object', ns) ? readObjects(caller.deps.db, ns.id) : [];
}

/** GET /namespaces/{ns}/objects/{name}. */
export async function showObject(caller: Caller, namespace: string, name: string): Promise<MetadefObject> {
  const ns = await caller.namespace(namespace, 'objects');
  caller.enforce('get_metadef_object', ns);
  return existing(caller, ns, name);
}

/** PUT /namespaces/{ns}/objects/{name}: replaces the object (and may rename it). */
export async function updateObject(caller: Caller, namespace: string, name: string, input: ObjectInput): Promise<MetadefObject> {
  const ns = await caller.namespace(namespace, 'objects');
  caller.enforce('modify_metadef_object', ns);
  const obj = await existing(caller, ns, name);
  await uniquely(() => writeObject(caller.deps.db, obj.id, values(input), caller.deps.clock.now()),
    `Invalid update. It would result in a duplicate metadata definition object with the same name=${input.name} in namespace=${ns.namespace}.`);
  return existing(caller, ns, input.name);
}

/** DELETE /namespaces/{ns}/objects/{name}; the objects of a protected namespace stay. */
export async function deleteObject(caller: Caller, namespace: string, name: string): Promise<void> {
  const ns = await caller.namespace(namespace, 'objects');
  caller.enforce('delete_metadef_object', ns);
  const obj = await existing(caller, ns, name);
  if (ns.protected) throw new ForbiddenError(`Metadata definition object ${name} is protected and cannot be deleted.`);
  await removeObject(caller.deps.db, obj.id);
}
