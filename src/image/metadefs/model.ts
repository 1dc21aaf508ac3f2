/**
 * The metadata definitions catalogue as the domain sees it. Names are the public
 * identity of everything (the API never shows the integer ids); ids stay inside the
 * service to join rows.
 */

/** A property definition: a JSON-schema-like document (Glance's PropertyType). */
export type PropertyType = Record<string, unknown>;

export interface Namespace {
  id: number;
  namespace: string;
  displayName: string | null;
  description: string | null;
  /** "public" or "private". */
  visibility: string;
  protected: boolean;
  /** Owning project. */
  owner: string;
  createdAt: Date;
  updatedAt: Date | null;
}

export interface MetadefObject {
  id: number;
  namespaceId: number;
  name: string;
  description: string | null;
  /** Names of the object's properties that are required. */
  required: string[];
  properties: Record<string, PropertyType>;
  createdAt: Date;
  updatedAt: Date | null;
}

export interface MetadefProperty {
  id: number;
  namespaceId: number;
  name: string;
  /** The definition as last written through the API (it may carry its own "name"). */
  schema: PropertyType;
  createdAt: Date;
  updatedAt: Date | null;
}

export interface MetadefTag {
  id: number;
  namespaceId: number;
  name: string;
  createdAt: Date;
  updatedAt: Date | null;
}

export interface ResourceType {
  id: number;
  name: string;
  /** Seeded with the catalogue. */
  protected: boolean;
  createdAt: Date;
  updatedAt: Date | null;
}

/** A namespace's association with a resource type, named by the resource type. */
export interface Association {
  namespaceId: number;
  resourceTypeId: number;
  name: string;
  /** Prefix the namespace's properties take when applied to this resource type. */
  prefix: string | null;
  propertiesTarget: string | null;
  createdAt: Date;
  updatedAt: Date | null;
}
