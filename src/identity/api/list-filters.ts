import type { FastifyRequest } from 'fastify';

const INEXACT = ['contains', 'icontains', 'startswith', 'istartswith', 'endswith', 'iendswith'] as const;
type Inexact = (typeof INEXACT)[number];

/**
 * Keystone's inexact list filters (`name__contains=x`, `name__istartswith=x`, ...) for
 * the string attributes a list supports. Applied after the exact SQL filters.
 */
export function applyInexactFilters<T extends Record<string, unknown>>(request: FastifyRequest, attributes: readonly string[], items: T[]): T[] {
  const query = request.query as Record<string, string | string[] | undefined>;
  const tests: Array<(item: T) => boolean> = [];
  for (const [key, raw] of Object.entries(query)) {
    const m = /^(.+)__([a-z]+)$/.exec(key);
    if (!m) continue;
    const attr = m[1] as string;
    const op = m[2] as Inexact;
    if (!attributes.includes(attr) || !INEXACT.includes(op)) continue;
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    const folded = op.startsWith('i');
    const want = folded ? value.toLowerCase() : value;
    tests.push((item) => {
      const v = item[attr];
      if (typeof v !== 'string') return false;
      const have = folded ? v.toLowerCase() : v;
      if (op.endsWith('contains')) return have.includes(want);
      if (op.endsWith('startswith')) return have.startsWith(want);
      return have.endsWith(want);
    });
  }
  return tests.length === 0 ? items : items.filter((item) => tests.every((t) => t(item)));
}

/** Keystone's timestamp form for password expiry: 2016-11-06T15:32:17.000000 (no zone). */
export function keystoneTime(iso: string | null): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}
