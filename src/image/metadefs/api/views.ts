import { isoSeconds } from '../../../core/clock.js';
import type { Association, MetadefObject, MetadefTag, Namespace, PropertyType, ResourceType } from '../model.js';
import type { CreatedNamespace } from '../namespaces.js';
import { toPropertyType } from '../property-type.js';

/**
 * Rows to Glance's JSON. Glance builds its answers from wsme models, which leave out
 * every attribute that is None and write the rest in the model's declaration order;
 * these views do the same. Times are Glance's isotime form (2026-01-01T00:00:00Z).
 */
type Json = Record<string, unknown>;

const time = (d: Date | null): string | undefined => (d ? isoSeconds(d) : undefined);

/** Drops undefined and null members, as wsme's to_wsme_model does. */
function present(fields: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}

export const namespaceHref = (name: string): string => `/v2/metadefs/namespaces/${name}`;
export const objectHref = (namespace: string, name: string): string => `/v2/metadefs/namespaces/${namespace}/objects/${name}`;

/** A namespace with whichever contents the route shows (Glance's Namespace model). */
export function namespaceView(ns: Namespace, contents: CreatedNamespace['given'] = {}): Json {
  return present({
    namespace: ns.namespace,
    display_name: ns.displayName,
    description: ns.description,
    visibility: ns.visibility,
    protected: ns.protected,
    owner: ns.owner,
    created_at: time(ns.createdAt),
    updated_at: time(ns.updatedAt),
    resource_type_associations: contents.resource_type_associations,
    properties: contents.properties,
    objects: contents.objects,
    tags: contents.tags,
    self: namespaceHref(ns.namespace),
    schema: '/v2/schemas/metadefs/namespace',
  });
}

export function associationView(a: Association): Json {
  return present({ name: a.name, prefix: a.prefix, properties_target: a.propertiesTarget, created_at: time(a.createdAt), updated_at: time(a.updatedAt) });
}

export function resourceTypeView(t: ResourceType): Json {
  return present({ name: t.name, created_at: time(t.createdAt), updated_at: time(t.updatedAt) });
}

/**
 * An object. `given` is the request body of a create or update: Glance answers those
 * from the request, so `required`, `description` and `properties` appear only when
 * the request had them; reads always show `required` and `properties`.
 */
export function objectView(namespace: string, obj: MetadefObject, given?: Json): Json {
  const shown = (key: string) => given === undefined || given[key] !== undefined;
  return present({
    name: obj.name,
    required: shown('required') ? obj.required : undefined,
    description: obj.description,
    properties: shown('properties') ? obj.properties : undefined,
    created_at: time(obj.createdAt),
    updated_at: time(obj.updatedAt),
    self: objectHref(namespace, obj.name),
    schema: '/v2/schemas/metadefs/object',
  });
}

/** A single property: its stored definition, named after its row. */
export function propertyView(name: string, schema: PropertyType): Json {
  return toPropertyType({ ...schema, name });
}

export function tagView(tag: MetadefTag): Json {
  return present({ name: tag.name, created_at: time(tag.createdAt), updated_at: time(tag.updatedAt) });
}
