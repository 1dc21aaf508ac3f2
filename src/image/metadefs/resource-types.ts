import { ForbiddenError, NotFoundError } from '../../core/http/index.js';
import type { Caller } from './access.js';
import { uniquely } from './conflicts.js';
import type { Association, ResourceType } from './model.js';
import { deleteAssociation as removeAssociation, ensureResourceType, insertAssociation, listAssociations, listResourceTypes as readResourceTypes } from './store/resource-types.js';

/** GET /v2/metadefs/resource_types: every resource type known, seeded or created by an association. */
export async function listResourceTypes(caller: Caller): Promise<ResourceType[]> {
  caller.enforce('list_metadef_resource_types');
  return readResourceTypes(caller.deps.db);
}

/** GET /namespaces/{ns}/resource_types. */
export async function listNamespaceAssociations(caller: Caller, namespace: string): Promise<Association[]> {
  const ns = await caller.namespace(namespace);
  caller.enforce('list_metadef_resource_types', ns);
  return caller.allows('get_metadef_resource_type', ns) ? listAssociations(caller.deps.db, [ns.id]) : [];
}

/** An association body that passed the resource_type_association schema. */
export interface AssociationInput {
  name: string;
  prefix?: string;
  properties_target?: string;
}

/** POST /namespaces/{ns}/resource_types; an unknown resource type comes into being. */
export async function associate(caller: Caller, namespace: string, input: AssociationInput): Promise<Association> {
  const ns = await caller.namespace(namespace);
  caller.enforce('add_metadef_resource_type_association', ns);
  const now = caller.deps.clock.now();
  return caller.deps.db.transaction().execute(async (tx) => {
    const type = await ensureResourceType(tx, input.name, now);
    return uniquely(() => insertAssociation(tx, ns.id, type, { prefix: input.prefix ?? null, propertiesTarget: input.properties_target ?? null }, now),
      `The metadata definition resource-type association of resource-type=${input.name} to namespace=${ns.namespace} already exists.`);
  });
}

/** DELETE /namespaces/{ns}/resource_types/{name}; the resource type itself stays. */
export async function dissociate(caller: Caller, namespace: string, name: string): Promise<void> {
  const ns = await caller.namespace(namespace);
  caller.enforce('remove_metadef_resource_type_association', ns);
  const association = (await listAssociations(caller.deps.db, [ns.id])).find((a) => a.name === name);
  if (!association) throw new NotFoundError(`Failed to find resource type ${name} to delete`);
  if (ns.protected) throw new ForbiddenError(`Metadata definition resource-type-association ${name} is protected and cannot be deleted.`);
  await removeAssociation(caller.deps.db, ns.id, association.resourceTypeId);
}
