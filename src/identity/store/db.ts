import type { Kysely, Transaction } from 'kysely';
import type { IdentityTables } from './schema.js';
export { isUniqueViolation } from '../../core/db/index.js';

export type IdentityDb = Kysely<IdentityTables>;
export type IdentityTx = Transaction<IdentityTables>;
/** Queries accept either the database or an open transaction. */
export type Queryable = IdentityDb | IdentityTx;

export const toBool = (n: number | boolean | null | undefined): boolean => n === 1 || n === true;
export const fromBool = (b: boolean | undefined, fallback = true): number => ((b ?? fallback) ? 1 : 0);

export function parseJson(text: string | null | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

