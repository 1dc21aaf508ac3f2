import type { FastifyRequest } from 'fastify';
import { invalidInput, NeutronError } from '../errors.js';

/** A resource as the API shows it: attribute name -> value. */
export type View = Record<string, unknown>;

/** The query string as Fastify parses it: repeated keys become arrays. */
type RawQuery = Record<string, string | string[] | undefined>;

const CONTROL = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any']);

const values = (q: RawQuery, key: string): string[] => {
  const v = q[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/** How a query value compares with an attribute: booleans and numbers as Neutron converts them. */
function matches(actual: unknown, wanted: string): boolean {
  if (typeof actual === 'boolean') return ['true', '1', 'yes', 'on'].includes(wanted.toLowerCase()) === actual && ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(wanted.toLowerCase());
  if (typeof actual === 'number') return String(actual) === wanted;
  if (actual === null) return wanted === '' || wanted === 'None';
  if (Array.isArray(actual)) return actual.map(String).includes(wanted);
  return String(actual) === wanted;
}

function tagFilter(view: View, q: RawQuery): boolean {
  const tags = new Set((view['tags'] as string[] | undefined) ?? []);
  const list = (key: string): string[] => values(q, key).flatMap((v) => v.split(',')).filter(Boolean);
  const all = list('tags');
  const any = list('tags-any');
  const notAll = list('not-tags');
  const notAny = list('not-tags-any');
  if (all.length && !all.every((t) => tags.has(t))) return false;
  if (any.length && !any.some((t) => tags.has(t))) return false;
  if (notAll.length && notAll.every((t) => tags.has(t))) return false;
  if (notAny.length && notAny.some((t) => tags.has(t))) return false;
  return true;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a) < String(b) ? -1 : 1;
}

export interface ListOptions {
  collection: string;
  /** Attributes that may be filtered and sorted on (the resource's visible attributes). */
  attributes: readonly string[];
  /** [network] pagination_max_limit; null for none. */
  maxLimit: number | null;
  baseUrl: string;
  /** The URL path of the collection when it differs from its body key (security-groups). */
  path?: string;
  /** The attribute that identifies an item for sorting ties and markers; 'id' unless the resource has none. */
  idKey?: string;
  /** Filters whose query values are not plain attribute values (ports' `fixed_ips=ip_address=...`). */
  customFilters?: Readonly<Record<string, (view: View, wanted: string[]) => boolean>>;
}

/**
 * Neutron's list semantics over visible resources: attribute filters (repeated keys
 * OR together), tag filters, sort_key/sort_dir, limit/marker/page_reverse with
 * `<collection>_links`, and `fields` projection.
 */
export function listBody(request: FastifyRequest, views: View[], options: ListOptions): Record<string, unknown> {
  const q = request.query as RawQuery;
  let items = views.filter((v) => tagFilter(v, q));
  for (const [key, raw] of Object.entries(q)) {
    if (CONTROL.has(key) || raw === undefined) continue;
    const wanted = Array.isArray(raw) ? raw : [raw];
    const custom = options.customFilters?.[key];
    if (custom) items = items.filter((v) => custom(v, wanted));
    else if (options.attributes.includes(key)) items = items.filter((v) => wanted.some((w) => matches(v[key], w)));
  }
  const keys = values(q, 'sort_key');
  const dirs = values(q, 'sort_dir');
  if (keys.length !== dirs.length && dirs.length > 0) throw invalidInput('The number of sort_keys and sort_dirs must be same');
  for (const k of keys) if (!options.attributes.includes(k)) throw new NeutronError(400, 'HTTPBadRequest', `${k} is an invalid attribute for sort_keys`);
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw new NeutronError(400, 'HTTPBadRequest', `${d} is an invalid value for sort_dirs, valid value is 'asc' and 'desc'`);
  const idKey = options.idKey ?? 'id';
  const order = [...keys.map((k, i) => ({ k, desc: dirs[i] === 'desc' })), { k: idKey, desc: false }];
  items.sort((a, b) => {
    for (const { k, desc } of order) {
      const c = compare(a[k], b[k]);
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });

  const links: Array<{ rel: string; href: string }> = [];
  const limitRaw = values(q, 'limit')[0];
  let limit = limitRaw === undefined ? options.maxLimit : Number(limitRaw);
  if (limitRaw !== undefined && (!/^\d+$/.test(limitRaw))) throw new NeutronError(400, 'HTTPBadRequest', `Limit must be an integer 0 or greater and not '${limitRaw}'`);
  if (limit === 0) limit = options.maxLimit;
  if (options.maxLimit !== null && limit !== null) limit = Math.min(limit, options.maxLimit);
  const reverse = (values(q, 'page_reverse')[0] ?? '').toLowerCase() === 'true';
  const marker = values(q, 'marker')[0];
  if (limit !== null) {
    let start = 0;
    let end = items.length;
    if (marker !== undefined) {
      const at = items.findIndex((v) => v[idKey] === marker);
      if (reverse) end = at < 0 ? items.length : at;
      else start = at < 0 ? 0 : at + 1;
    }
    const page = reverse ? items.slice(Math.max(0, end - limit), end) : items.slice(start, start + limit);
    const params = new URLSearchParams(request.url.split('?')[1] ?? '');
    const link = (rel: string, id: string, pageReverse: boolean): void => {
      params.set('marker', id);
      params.set('limit', String(limit));
      if (pageReverse) params.set('page_reverse', 'True'); else params.delete('page_reverse');
      links.push({ rel, href: `${options.baseUrl}/v2.0/${options.path ?? options.collection}?${params.toString()}` });
    };
    const first = page[0];
    const last = page[page.length - 1];
    const moreAfter = reverse ? end < items.length : start + limit < items.length;
    const moreBefore = reverse ? end - limit > 0 : start > 0;
    if (last && moreAfter) link('next', String(last[idKey]), false);
    if (first && moreBefore) link('previous', String(first[idKey]), true);
    items = page;
  }
  const fields = values(q, 'fields').flatMap((f) => f.split(',')).filter(Boolean);
  const shown = fields.length ? items.map((v) => Object.fromEntries(fields.filter((f) => f in v).map((f) => [f, v[f]]))) : items;
  return { [options.collection]: shown, ...(links.length ? { [`${options.collection}_links`]: links } : {}) };
}

/** `fields=` on a single resource. */
export function showBody(request: FastifyRequest, key: string, view: View): Record<string, unknown> {
  const fields = values(request.query as RawQuery, 'fields').flatMap((f) => f.split(',')).filter(Boolean);
  return { [key]: fields.length ? Object.fromEntries(fields.filter((f) => f in view).map((f) => [f, view[f]])) : view };
}
