import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';
import { badRequest } from '../errors.js';

const ajv = new Ajv({ coerceTypes: false, useDefaults: false, allErrors: false, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

function valueAt(body: unknown, path: string): unknown {
  let at: unknown = body;
  for (const seg of path.split('/').filter(Boolean)) at = (at as Record<string, unknown> | undefined)?.[seg];
  return at;
}

/** Python's repr-ish rendering of a value, as Nova's validation messages show it. */
function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function describe(error: ErrorObject, body: unknown): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '/');
  if (error.keyword === 'required') {
    const field = path || String(error.params.missingProperty);
    return `Invalid input for field/attribute ${field}. Value: ${show(valueAt(body, error.instancePath))}. '${String(error.params.missingProperty)}' is a required property`;
  }
  if (error.keyword === 'additionalProperties') {
    return `Additional properties are not allowed ('${String(error.params.additionalProperty)}' was unexpected)`;
  }
  const field = path.split('/').pop() || 'body';
  return `Invalid input for field/attribute ${field}. Value: ${show(valueAt(body, error.instancePath))}. ${error.message ?? 'is invalid'}`;
}

/** Nova's request body validation: 400 "Invalid input for field/attribute ..." on failure. */
export function checkBody<S extends TSchema>(schema: S, body: unknown): Static<S> {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
  if (body === undefined || body === null) throw badRequest('The request body is empty or is not valid JSON.');
  if (!validate(body)) throw badRequest(describe(validate.errors![0]!, body));
  return body as Static<S>;
}

const TRUE = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

/** oslo's bool_from_string(strict=True): undefined when the text is not a boolean. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  return TRUE.has(text) ? true : FALSE.has(text) ? false : undefined;
}

/** Nova's parameter_types.boolean: JSON booleans and the strings oslo accepts. */
export const BOOLEAN_VALUES = [true, false, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', 'y', 't',
  'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no', 'n', 'f'];
