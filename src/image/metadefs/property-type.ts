import type { PropertyType } from './model.js';

/**
 * The fields of Glance's PropertyType (api/v2/model/metadef_property_type.py), in its
 * declaration order, which is also the order Glance writes them out. Glance reads
 * request documents through this model, so other keys the request schema lets pass
 * (a property's "required", for instance) are dropped, and a null stays a null.
 */
const FIELDS = [
  'name', 'type', 'title', 'description', 'operators', 'default', 'readonly',
  'minimum', 'maximum', 'enum', 'pattern', 'minLength', 'maxLength', 'confidential',
  'items', 'uniqueItems', 'minItems', 'maxItems', 'additionalItems',
] as const;

/** Glance's ItemType: what an array property's items are. */
const ITEM_FIELDS = ['type', 'enum'] as const;

function pick(source: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of fields) if (Object.hasOwn(source, key)) out[key] = source[key];
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A request's property document as Glance keeps it. Validate against the schema first. */
export function toPropertyType(input: unknown): PropertyType {
  if (!isRecord(input)) return {};
  const out = pick(input, FIELDS);
  if (isRecord(out['items'])) out['items'] = pick(out['items'], ITEM_FIELDS);
  return out;
}

/** A map of property documents (a namespace's or an object's "properties"). */
export function toPropertyTypes(input: unknown): Record<string, PropertyType> {
  if (!isRecord(input)) return {};
  return Object.fromEntries(Object.entries(input).map(([name, value]) => [name, toPropertyType(value)]));
}

/** The same map with every key prefixed (namespace show with ?resource_type=). */
export function prefixKeys<T>(map: Record<string, T>, prefix: string): Record<string, T> {
  return Object.fromEntries(Object.entries(map).map(([name, value]) => [prefix + name, value]));
}
