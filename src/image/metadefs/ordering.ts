import { BadRequestError } from '../../core/http/index.js';

/**
 * Ordering and keyset paging of a small listing in memory, as oslo.db's
 * paginate_query does in SQL: sort by the requested key, then created_at, then id,
 * all in one direction; the page starts after the marker. Done here rather than in
 * SQL because catalogues are small (tens of namespaces, a namespace's tags), and so
 * that the order of NULLs and of text is the same on SQLite, PostgreSQL and MariaDB:
 * NULL sorts lowest (as on MariaDB, Glance's usual engine), text by code point.
 */
export type SortValue = string | number | boolean | Date | null;

/** The sortable columns of a listing and how to read each from an item. */
export type SortColumns<T> = Readonly<Record<string, (item: T) => SortValue>>;

export interface PageRequest<T> {
  sortKey: string;
  sortDir: 'asc' | 'desc';
  /** The page starts after this item (it need not be in `items`). */
  marker?: T;
  limit?: number;
}

function compareValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const x = a instanceof Date ? a.getTime() : typeof a === 'boolean' ? Number(a) : a;
  const y = b instanceof Date ? b.getTime() : typeof b === 'boolean' ? Number(b) : b;
  if (x === y) return 0;
  return x < y ? -1 : 1;
}

/** One page of `items` in the requested order; an unknown sort key is a 400. */
export function page<T>(items: readonly T[], columns: SortColumns<T>, request: PageRequest<T>): T[] {
  const keys = [...new Set([request.sortKey, 'created_at', 'id'])].map((name) => {
    const read = columns[name];
    if (!read) throw new BadRequestError('Sort key supplied was not valid.');
    return read;
  });
  const sign = request.sortDir === 'asc' ? 1 : -1;
  const compare = (a: T, b: T): number => {
    for (const read of keys) {
      const c = compareValues(read(a), read(b));
      if (c !== 0) return sign * c;
    }
    return 0;
  };
  const marker = request.marker;
  const sorted = [...items].sort(compare).filter((item) => marker === undefined || compare(item, marker) > 0);
  return request.limit === undefined ? sorted : sorted.slice(0, request.limit);
}
