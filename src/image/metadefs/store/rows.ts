import type { Kysely } from 'kysely';
import type { Association, MetadefObject, MetadefProperty, MetadefTag, Namespace, PropertyType, ResourceType } from '../model.js';
import type { AssociationRow, MetadefTables, NamespaceRow, ObjectRow, PropertyRow, ResourceTypeRow, TagRow } from '../schema.js';

/** Queries take the database or an open transaction (a Transaction is a Kysely). */
export type MetadefDb = Kysely<MetadefTables>;

/** Stored form of a time: ISO 8601 with milliseconds, so string order is time order. */
export const storedTime = (d: Date): string => d.toISOString();
const time = (s: string): Date => new Date(s);
const optionalTime = (s: string | null): Date | null => (s === null ? null : new Date(s));


/** A JSON blob this service wrote; anything unreadable reads as empty rather than failing a listing. */
function parseJson(text: string | null, fallback: unknown): unknown {
  if (text === null || text === '') return fallback;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}

const asRecord = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function namespaceFromRow(r: NamespaceRow): Namespace {
  return {
    id: Number(r.id),
    namespace: r.namespace,
    displayName: r.display_name,
    description: r.description,
    // Glance's domain object reads a missing visibility as private and protection as off.
    visibility: r.visibility || 'private',
    protected: Number(r.protected ?? 0) === 1,
    owner: r.owner,
    createdAt: time(r.created_at),
    updatedAt: optionalTime(r.updated_at),
  };
}

export function objectFromRow(r: ObjectRow): MetadefObject {
  const required = parseJson(r.required, []);
  return {
    id: Number(r.id),
    namespaceId: Number(r.namespace_id),
    name: r.name,
    description: r.description,
    required: Array.isArray(required) ? required.filter((x): x is string => typeof x === 'string') : [],
    properties: asRecord(parseJson(r.json_schema, {})) as Record<string, PropertyType>,
    createdAt: time(r.created_at),
    updatedAt: optionalTime(r.updated_at),
  };
}

export function propertyFromRow(r: PropertyRow): MetadefProperty {
  return {
    id: Number(r.id),
    namespaceId: Number(r.namespace_id),
    name: r.name,
    schema: asRecord(parseJson(r.json_schema, {})),
    createdAt: time(r.created_at),
    updatedAt: optionalTime(r.updated_at),
  };
}

export function tagFromRow(r: TagRow): MetadefTag {
  return { id: Number(r.id), namespaceId: Number(r.namespace_id), name: r.name, createdAt: time(r.created_at), updatedAt: optionalTime(r.updated_at) };
}

export function resourceTypeFromRow(r: ResourceTypeRow): ResourceType {
  return { id: Number(r.id), name: r.name, protected: Number(r.protected) === 1, createdAt: time(r.created_at), updatedAt: optionalTime(r.updated_at) };
}

export function associationFromRow(r: AssociationRow & { name: string }): Association {
  return {
    namespaceId: Number(r.namespace_id),
    resourceTypeId: Number(r.resource_type_id),
    name: r.name,
    prefix: r.prefix,
    propertiesTarget: r.properties_target,
    createdAt: time(r.created_at),
    updatedAt: optionalTime(r.updated_at),
  };
}
