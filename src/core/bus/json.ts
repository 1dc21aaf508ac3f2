/**
 * The bus carries JSON only, as a broker would. Encoding checks the value first so a
 * mistake fails at the sender with a path (`args.flavor.extra is a Map`) instead of
 * arriving silently changed (JSON.stringify turns a Map into {} and NaN into null).
 */
import { BusSerializationError } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Converts `value` to plain JSON data the way JSON.stringify would (toJSON is honoured,
 * so a Date becomes its ISO string; undefined object members are left out, undefined
 * array items become null) but throws BusSerializationError for functions, symbols,
 * bigints, non-finite numbers, circular references and objects that are neither plain
 * objects nor arrays. Returns undefined only for an undefined top-level value.
 */
export function toJson(value: unknown, path: string): JsonValue | undefined {
  return convert(value, path, '', new Set());
}

function convert(input: unknown, path: string, key: string, ancestors: Set<object>): JsonValue | undefined {
  const value = hasToJson(input) ? input.toJSON(key) : input;
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new BusSerializationError(`${path} is ${value}, which JSON cannot carry`);
      return value;
    case 'bigint':
    case 'symbol':
    case 'function':
      throw new BusSerializationError(`${path} is a ${typeof value} and cannot be sent`);
    case 'object':
      if (value === null) return null;
      if (ancestors.has(value)) throw new BusSerializationError(`${path} is a circular reference`);
      ancestors.add(value);
      try {
        return Array.isArray(value) ? convertArray(value, path, ancestors) : convertObject(value, path, ancestors);
      } finally {
        ancestors.delete(value);
      }
  }
}

function convertArray(items: readonly unknown[], path: string, ancestors: Set<object>): JsonValue[] {
  return items.map((item, i) => convert(item, `${path}[${i}]`, String(i), ancestors) ?? null);
}

function convertObject(value: object, path: string, ancestors: Set<object>): JsonObject {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const kind = value.constructor?.name || 'object';
    throw new BusSerializationError(`${path} is a ${kind}; only plain objects, arrays and primitives can be sent`);
  }
  const entries: [string, JsonValue][] = [];
  for (const [k, v] of Object.entries(value)) {
    const converted = convert(v, `${path}.${k}`, k, ancestors);
    if (converted !== undefined) entries.push([k, converted]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data.
  return Object.fromEntries(entries);
}

function hasToJson(value: unknown): value is { toJSON(key: string): unknown } {
  return typeof value === 'object' && value !== null && 'toJSON' in value && typeof value.toJSON === 'function';
}
