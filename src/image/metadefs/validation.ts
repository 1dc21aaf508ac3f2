/**
 * Request bodies checked the way Glance's deserializers check them: a body must be
 * there, read-only attributes are refused with 403, then the body must match the
 * schema the API serves, else 400 "Provided object does not match schema 'x': why",
 * where "why" is the headline of Python jsonschema's best match (the part of its
 * message a client can act on; the schema dump that follows it in Glance is left out,
 * as the image API does).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BadRequestError, ForbiddenError } from '../../core/http/index.js';

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

/** Attributes no metadef body may set. */
export const TIMESTAMPS = ['created_at', 'updated_at'] as const;
/** ... and for namespaces and objects, the generated links too. */
export const GENERATED = ['self', 'schema', 'created_at', 'updated_at'] as const;

/** The JSON body, or Glance's 400 when there is none. */
export function requestBody(body: unknown): unknown {
  if (body === undefined) throw new BadRequestError('Body expected in request.');
  return body;
}

/** Glance's 403 for a body that sets an attribute the server owns. */
export function rejectReadOnly(body: unknown, keys: readonly string[]): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  for (const key of keys) {
    if (Object.hasOwn(body, key)) throw new ForbiddenError(`Attribute '${key}' is read-only.`);
  }
}

/** One served schema compiled for validation (compiled on first use). */
export class BodySchema {
  private compiled: ValidateFunction | undefined;
  private readonly propertyOrder: string[];

  constructor(private readonly doc: Record<string, unknown>) {
    this.propertyOrder = Object.keys((doc['properties'] as Record<string, unknown> | undefined) ?? {});
  }

  get name(): string {
    return String(this.doc['name']);
  }

  /**
   * Throws the 400 when `body` does not match. Glance's schemas do not say "object"
   * at the top (so Python would accept a list and then fail on it with a 500); here
   * anything but an object is a 400 too.
   */
  check(body: unknown): Record<string, unknown> {
    if (!this.compiled) {
      const { name: _name, links: _links, ...rules } = this.doc;
      this.compiled = ajv.compile({ ...rules, type: 'object' });
    }
    if (this.compiled(body)) return body as Record<string, unknown>;
    throw new BadRequestError(`Provided object does not match schema '${this.name}': ${this.describe(this.compiled.errors ?? [], body)}`);
  }

  /**
   * jsonschema's best_match: the shallowest error wins; at the top level additional
   * properties are reported before missing ones (the order Glance's documents list
   * those keywords); deeper ties go to the property listed first in the schema.
   */
  private describe(errors: readonly ErrorObject[], body: unknown): string {
    const depth = (e: ErrorObject) => (e.instancePath === '' ? 0 : e.instancePath.split('/').length - 1);
    const rank = (e: ErrorObject) => {
      if (depth(e) === 0) return e.keyword === 'type' ? 0 : e.keyword === 'additionalProperties' ? 1 : 2;
      const first = decodePointer(e.instancePath.split('/')[1] ?? '');
      const at = this.propertyOrder.indexOf(first);
      return at === -1 ? this.propertyOrder.length : at;
    };
    const best = [...errors].sort((a, b) => depth(a) - depth(b) || rank(a) - rank(b))[0];
    if (!best) return 'invalid';
    const value = valueAt(body, best.instancePath);
    const p = best.params as Record<string, unknown>;
    switch (best.keyword) {
      case 'type': return `${pyRepr(value)} is not of type ${[p['type']].flat().map((t) => `'${String(t)}'`).join(', ')}`;
      case 'enum': return `${pyRepr(value)} is not one of ${pyRepr(p['allowedValues'])}`;
      case 'required': return `${pyRepr(p['missingProperty'])} is a required property`;
      case 'additionalProperties': {
        const extras = errors.filter((e) => e.keyword === 'additionalProperties' && e.instancePath === best.instancePath)
          .map((e) => String((e.params as Record<string, unknown>)['additionalProperty'])).sort();
        return `Additional properties are not allowed (${extras.map(pyRepr).join(', ')} ${extras.length === 1 ? 'was' : 'were'} unexpected)`;
      }
      case 'maxLength': case 'maxItems': return `${pyRepr(value)} is too long`;
      case 'minLength': case 'minItems': return `${pyRepr(value)} is too short`;
      case 'minimum': return `${pyRepr(value)} is less than the minimum of ${pyRepr(p['limit'])}`;
      case 'uniqueItems': return `${pyRepr(value)} has non-unique elements`;
      default: return best.message ?? 'invalid';
    }
  }
}

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function valueAt(body: unknown, pointer: string): unknown {
  let cur = body;
  for (const seg of pointer.split('/').slice(1)) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[decodePointer(seg)];
  }
  return cur;
}

/** Python's repr() of a JSON value, as jsonschema's messages quote instances. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${pyString(k)}: ${pyRepr(v)}`).join(', ')}}`;
  return String(value);
}

function pyString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return quote + out + quote;
}

/**
 * Names Glance's schemas leave unbounded but stores in 80-character columns (tags in
 * a bulk create, the parts of a namespace created whole). Glance fails those in the
 * database (a 500 on MariaDB and PostgreSQL); this is the 400 its schemas would give.
 */
export function checkLength(schemaName: string, value: string | undefined, max = 80): void {
  if (value !== undefined && [...value].length > max) {
    throw new BadRequestError(`Provided object does not match schema '${schemaName}': ${pyRepr(value)} is too long`);
  }
}

/** Glance's 400 for a body sent to a route that takes none (its body_reject routes). */
export function rejectBody(headers: Record<string, string | string[] | undefined>): void {
  if (headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0) {
    throw new BadRequestError('A body is not expected with this request.');
  }
}
