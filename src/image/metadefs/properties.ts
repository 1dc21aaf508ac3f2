import { ForbiddenError, NotFoundError } from '../../core/http/index.js';
import type { Caller } from './access.js';
import { uniquely } from './conflicts.js';
import type { MetadefProperty, Namespace, PropertyType } from './model.js';
import { toPropertyType } from './property-type.js';
import { deleteProperty as removeProperty, getProperty, insertProperty, listProperties as readProperties, updateProperty as writeProperty } from './store/properties.js';
import { getResourceType, listAssociations } from './store/resource-types.js';

const propertyNotFound = (name: string) => new NotFoundError(`Could not find property ${name}`);

async function existing(caller: Caller, ns: Namespace, name: string): Promise<MetadefProperty> {
  const prop = await getProperty(caller.deps.db, ns.id, name);
  if (!prop) throw propertyNotFound(name);
  return prop;
}

/** GET /namespaces/{ns}/properties: name -> definition. */
export async function listProperties(caller: Caller, namespace: string): Promise<MetadefProperty[]> {
  const ns = await caller.namespace(namespace);
  caller.enforce('get_metadef_properties', ns);
  return readProperties(caller.deps.db, ns.id);
}

/**
 * GET /namespaces/{ns}/properties/{name}. With `resourceType` the name is the one the
 * property takes on that resource type: it must carry the association's prefix, which
 * is removed to find the property.
 */
export async function showProperty(caller: Caller, namespace: string, name: string, resourceType?: string): Promise<MetadefProperty> {
  const ns = await caller.namespace(namespace);
  caller.enforce('get_metadef_property', ns);
  let stored = name;
  if (resourceType) {
    caller.enforce('get_metadef_resource_type', ns);
    const type = await getResourceType(caller.deps.db, resourceType);
    if (!type) throw new NotFoundError(`The metadata definition resource-type with name=${resourceType}, was not found.`);
    const association = (await listAssociations(caller.deps.db, [ns.id])).find((a) => a.resourceTypeId === type.id);
    if (!association) {
      throw new NotFoundError(`The metadata definition resource-type association of resource-type=${resourceType} to namespace=${ns.namespace}, was not found.`);
    }
    const prefix = association.prefix;
    if (!prefix || !name.startsWith(prefix)) {
      throw new NotFoundError(`Property ${name} does not start with the expected resource type association prefix of '${prefix ?? 'None'}'.`);
    }
    stored = name.slice(prefix.length);
  }
  return existing(caller, ns, stored);
}

/** POST /namespaces/{ns}/properties; `schema` is the whole body, name included. */
export async function createProperty(caller: Caller, namespace: string, name: string, schema: PropertyType): Promise<MetadefProperty> {
  const ns = await caller.namespace(namespace);
  caller.enforce('add_metadef_property', ns);
  return uniquely(() => insertProperty(caller.deps.db, ns.id, name, toPropertyType(schema), caller.deps.clock.now()),
    `A metadata definition property with name=${name} already exists in namespace=${ns.namespace}.`);
}

/** PUT /namespaces/{ns}/properties/{name}: replaces the definition (and may rename it). */
export async function updateProperty(caller: Caller, namespace: string, name: string, newName: string, schema: PropertyType): Promise<MetadefProperty> {
  const ns = await caller.namespace(namespace);
  caller.enforce('modify_metadef_property', ns);
  const prop = await existing(caller, ns, name);
  await uniquely(() => writeProperty(caller.deps.db, prop.id, newName, toPropertyType(schema), caller.deps.clock.now()),
    `Invalid update. It would result in a duplicate metadata definition property with the same name=${newName} in namespace=${ns.namespace}.`);
  return existing(caller, ns, newName);
}

/** DELETE /namespaces/{ns}/properties/{name}; the properties of a protected namespace stay. */
export async function deleteProperty(caller: Caller, namespace: string, name: string): Promise<void> {
  const ns = await caller.namespace(namespace);
  caller.enforce('remove_metadef_property', ns);
  const prop = await existing(caller, ns, name);
  if (ns.protected) throw new ForbiddenError(`Metadata definition property ${name} is protected and cannot be deleted.`);
  await removeProperty(caller.deps.db, prop.id);
}
