import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema, Static } from '@sinclair/typebox';
import { badRequest } from '../errors.js';

const ajv = new Ajv({ coerceTypes: false, useDefaults: false, allErrors: false, strict: false, formats: { uuid: UUID_FORMAT() } });
const compiled = new WeakMap<object, ValidateFunction>();

function UUID_FORMAT(): RegExp {
  return /^(?:[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})$/;
}

/** A JSON-schema path and message in the style of Python's jsonschema, which Placement quotes. */
function describe(error: ErrorObject): string {
  const where = error.instancePath ? ` at ${error.instancePath}` : '';
  if (error.keyword === 'additionalProperties') return `Additional properties are not allowed ('${String(error.params.additionalProperty)}' was unexpected)`;
  if (error.keyword === 'required') return `'${String(error.params.missingProperty)}' is a required property`;
  return `${error.message ?? 'is invalid'}${where}`;
}

/** Placement's request body check: "JSON does not validate: ..." on failure. */
export function checkBody<S extends TSchema>(schema: S, body: unknown): Static<S> {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
  if (body === undefined || body === null) throw badRequest('Malformed JSON: Expecting value: line 1 column 1 (char 0)');
  if (!validate(body)) throw badRequest(`JSON does not validate: ${describe(validate.errors![0]!)}`);
  return body as Static<S>;
}

/** True when the text is a UUID in any of the forms Python's uuid.UUID accepts that Placement allows. */
export function isUuid(text: string): boolean {
  return UUID_FORMAT().test(text);
}

/** A UUID in canonical dashed lower-case form. */
export function canonicalUuid(text: string): string {
  const hex = text.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
