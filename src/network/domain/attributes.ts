import { NeutronError, invalidInput } from '../errors.js';

/**
 * Neutron's attribute conversions and checks shared by every resource: unknown keys,
 * strings with a length cap, booleans as Neutron converts them ("true", "False", ...).
 */
export type Body = Record<string, unknown>;

export function rejectUnknown(body: Body, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) throw new NeutronError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${key}'`);
  }
}

/** Attributes that exist but may not change after create. */
export function rejectReadOnly(body: Body, readOnly: readonly string[]): void {
  for (const key of readOnly) {
    if (body[key] !== undefined) throw new NeutronError(400, 'HTTPBadRequest', `Cannot update read-only attribute ${key}`);
  }
}

export function checkStrings(body: Body, limits: Readonly<Record<string, number>>): void {
  for (const [key, max] of Object.entries(limits)) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw invalidInput(`'${String(v)}' is not a valid string`);
    if (v.length > max) throw invalidInput(`'${v}' exceeds maximum length of ${max}`);
  }
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** A boolean attribute as Neutron's convert_to_boolean reads it; `fallback` when absent. */
export function toBool(value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  const s = String(value).toLowerCase();
  if (TRUE.includes(s)) return true;
  if (FALSE.includes(s)) return false;
  throw invalidInput(`'${String(value)}' cannot be converted to boolean`);
}

export function checkBools(body: Body, keys: readonly string[]): void {
  for (const key of keys) toBool(body[key], false);
}

/** The owning project of a new resource: the body's (matching) project_id/tenant_id or the caller's. */
export function ownerOf(body: Body, callerProject: string | null, isAdmin: boolean): string {
  if (body['project_id'] !== undefined && body['tenant_id'] !== undefined && body['project_id'] !== body['tenant_id']) {
    throw invalidInput("'project_id' and 'tenant_id' do not match");
  }
  const projectId = (body['project_id'] ?? body['tenant_id'] ?? callerProject ?? '') as string;
  if (typeof projectId !== 'string') throw invalidInput(`'${String(projectId)}' is not a valid string`);
  if (projectId !== callerProject && !isAdmin) {
    throw new NeutronError(403, 'HTTPForbidden', "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges");
  }
  return projectId;
}
