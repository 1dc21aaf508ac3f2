import { BadRequestError } from '../../core/http/index.js';

/**
 * Query parameters of the list routes, read as Glance's deserializers read them:
 * the same checks, the same 400 messages.
 */
export type RawQuery = Record<string, string | string[] | undefined>;

/** The value of a parameter (the first one when it is repeated). */
export function param(query: RawQuery, key: string): string | undefined {
  const value = query[key];
  return Array.isArray(value) ? value[0] : value;
}

/** A limit: an integer, not negative (Python's int() also takes blanks around it). */
export function parseLimit(raw: string, allowZero = true): number {
  if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw new BadRequestError('limit param must be an integer');
  const limit = Number.parseInt(raw.trim(), 10);
  if (limit < 0 || (!allowZero && limit === 0)) throw new BadRequestError('limit param must be positive');
  return limit;
}

export function parseSortDir(raw: string | undefined): 'asc' | 'desc' {
  const dir = raw ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw new BadRequestError(`Invalid sort direction: ${dir}`);
  return dir;
}

/** Validates a visibility filter if one is given (an empty one is not checked, as in Glance). */
export function checkVisibility(raw: string | undefined, allowed: readonly string[]): void {
  if (raw && !allowed.includes(raw)) throw new BadRequestError(`Invalid visibility value: ${raw}`);
}

/** oslo's bool_from_string, for headers such as X-Openstack-Append. */
export function truthy(raw: string | string[] | undefined): boolean {
  const value = Array.isArray(raw) ? raw[0] : raw;
  return ['1', 't', 'true', 'on', 'y', 'yes'].includes((value ?? '').trim().toLowerCase());
}
