import type { Generated, Selectable } from 'kysely';

/**
 * Kysely table types of the metadata definitions catalogue, in the image service's
 * database. The layout follows Glance's models_metadef.py: integer surrogate keys
 * that never leave the service (the API addresses everything by name), JSON blobs as
 * text, booleans as 0/1, timestamps as ISO 8601 strings with milliseconds (so that
 * lexical order is time order).
 */
export interface MetadefTables {
  metadef_namespaces: NamespaceTable;
  metadef_objects: ObjectTable;
  metadef_properties: PropertyTable;
  metadef_tags: TagTable;
  metadef_resource_types: ResourceTypeTable;
  metadef_namespace_resource_types: AssociationTable;
}

export interface NamespaceTable {
  id: Generated<number>;
  /** Unique across the cloud, whatever the owner. */
  namespace: string;
  display_name: string | null;
  description: string | null;
  /** "public" or "private"; null reads as private. */
  visibility: string | null;
  /** 0/1; null reads as unprotected. */
  protected: number | null;
  /** Project that owns the namespace. */
  owner: string;
  created_at: string;
  updated_at: string | null;
}

export interface ObjectTable {
  id: Generated<number>;
  namespace_id: number;
  name: string;
  description: string | null;
  /** JSON array of required property names, null when there are none. */
  required: string | null;
  /** JSON object: property name -> property type document. */
  json_schema: string;
  created_at: string;
  updated_at: string | null;
}

export interface PropertyTable {
  id: Generated<number>;
  namespace_id: number;
  name: string;
  /** JSON property type document as the API last received it. */
  json_schema: string;
  created_at: string;
  updated_at: string | null;
}

export interface TagTable {
  id: Generated<number>;
  namespace_id: number;
  name: string;
  created_at: string;
  updated_at: string | null;
}

export interface ResourceTypeTable {
  id: Generated<number>;
  name: string;
  /** 1 for the types seeded with the catalogue, 0 for those created by an association. */
  protected: number;
  created_at: string;
  /** Null for seeded types, as Glance's loader leaves it. */
  updated_at: string | null;
}

export interface AssociationTable {
  resource_type_id: number;
  namespace_id: number;
  properties_target: string | null;
  prefix: string | null;
  created_at: string;
  updated_at: string | null;
}

export type NamespaceRow = Selectable<NamespaceTable>;
export type ObjectRow = Selectable<ObjectTable>;
export type PropertyRow = Selectable<PropertyTable>;
export type TagRow = Selectable<TagTable>;
export type ResourceTypeRow = Selectable<ResourceTypeTable>;
export type AssociationRow = Selectable<AssociationTable>;
