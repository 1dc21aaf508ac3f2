import { badRequest } from '../errors.js';

/** Nova's osapi_max_limit: the largest page any list returns. */
export const MAX_LIMIT = 1000;

/** `limit` and `marker` as Nova's common.get_limit_and_marker reads them. */
export function pageParams(q: Record<string, string | string[] | undefined>): { limit?: number; marker?: string } {
  const last = (k: string): string | undefined => (Array.isArray(q[k]) ? (q[k] as string[]).at(-1) : (q[k] as string | undefined));
  const limitText = last('limit');
  const marker = last('marker');
  let limit: number | undefined;
  if (limitText !== undefined) {
    if (!/^-?\d+$/.test(limitText)) throw badRequest('limit param must be an integer');
    limit = Number(limitText);
    if (limit < 0) throw badRequest('limit param must be positive');
    limit = Math.min(limit, MAX_LIMIT);
  }
  return { ...(limit !== undefined ? { limit } : {}), ...(marker !== undefined ? { marker } : {}) };
}
