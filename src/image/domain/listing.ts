import { policyCredentials, type RequestContext } from '../../core/auth/index.js';
import { BadRequestError, ForbiddenError } from '../../core/http/index.js';
import { getImageRow, listImages, SORT_KEYS, type AttributeFilter, type ImageListQuery, type SortKey } from '../db/images.js';
import type { Image } from '../model.js';
import type { ImageService } from '../service.js';
import { findVisibleImage, isAdmin } from './access.js';

/** The query string as Fastify parses it: repeated keys become arrays. */
export type RawQuery = Record<string, string | string[] | undefined>;

const TEXT_FILTERS = ['id', 'name', 'status', 'container_format', 'disk_format', 'owner', 'checksum', 'os_hash_value'] as const;
const NUMBER_FILTERS = ['min_ram', 'min_disk', 'size', 'virtual_size'] as const;
const TIME_FILTERS = ['created_at', 'updated_at'] as const;
const HANDLED = new Set(['limit', 'marker', 'member_status', 'tag', 'sort', 'sort_key', 'sort_dir', 'visibility', 'os_hidden', 'protected', 'size_min', 'size_max', ...TEXT_FILTERS, ...NUMBER_FILTERS, ...TIME_FILTERS]);

const all = (q: RawQuery, key: string): string[] => {
  const v = q[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
const one = (q: RawQuery, key: string): string | undefined => all(q, key)[0];

/** Glance's `in:"a,b",c` list syntax: commas separate, double quotes protect commas. */
export function splitInList(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) { out.push(current); current = ''; }
    else current += ch;
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function textFilter(column: AttributeFilter['column'], raw: string): AttributeFilter {
  if (raw.startsWith('in:')) return { column, op: 'in', values: splitInList(raw.slice(3)) };
  if (raw.startsWith('eq:')) return { column, op: 'eq', values: [raw.slice(3)] };
  return { column, op: 'eq', values: [raw] };
}

function timeFilter(column: 'created_at' | 'updated_at', raw: string): AttributeFilter {
  const match = /^(gt|gte|lt|lte|eq|neq):(.+)$/.exec(raw);
  const [op, value] = match ? [match[1] as AttributeFilter['op'], match[2]!] : ['eq' as const, raw];
  const when = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(when.getTime())) {
    throw new BadRequestError(`Unable to filter by unknown operator '${raw}'.`);
  }
  return { column, op, values: [when.toISOString()] };
}

function integerParam(name: string, raw: string): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new BadRequestError(`Unable to filter on a range with a non-numeric value.`);
  const n = Number(raw);
  if (name === 'limit' && n < 0) throw new BadRequestError('limit param must be positive');
  return n;
}

function booleanFilter(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (v !== 'true' && v !== 'false') throw new BadRequestError(`Invalid value '${raw}' for '${name}' filter. Valid values are 'true' or 'false'.`);
  return v === 'true';
}

/** sort=name:asc,size:desc, or repeated sort_key/sort_dir (Glance's two syntaxes). */
function sorting(q: RawQuery): ImageListQuery['sort'] {
  const validKey = (k: string): SortKey => {
    if (!(SORT_KEYS as readonly string[]).includes(k)) {
      throw new BadRequestError(`Invalid sort key: ${k}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
    }
    return k as SortKey;
  };
  const validDir = (d: string): 'asc' | 'desc' => {
    if (d !== 'asc' && d !== 'desc') throw new BadRequestError(`Invalid sort direction: ${d}`);
    return d;
  };
  const sort = one(q, 'sort');
  if (sort !== undefined) {
    if (q['sort_key'] !== undefined || q['sort_dir'] !== undefined) throw new BadRequestError('Old and new sorting syntax cannot be combined');
    return sort.trim().split(',').map((part) => {
      const [key = '', dir = 'desc'] = part.split(':');
      return { key: validKey(key.trim()), dir: validDir((dir || 'desc').trim()) };
    });
  }
  const keys = all(q, 'sort_key').map((k) => validKey(k.trim()));
  const dirs = all(q, 'sort_dir').map((d) => validDir(d.trim()));
  if (dirs.length > 1 && dirs.length !== keys.length) throw new BadRequestError('Number of sort dirs does not match the number of sort keys');
  if (keys.length === 0) keys.push('created_at');
  return keys.map((key, i) => ({ key, dir: dirs[i] ?? dirs[0] ?? 'desc' }));
}

/** GET /v2/images: one page of what the caller may see, plus whether more may follow. */
export async function listVisibleImages(svc: ImageService, ctx: RequestContext, q: RawQuery): Promise<{ images: Image[]; nextMarker: string | undefined }> {
  if (!svc.policy.check('get_images', { project_id: ctx.projectId ?? null }, policyCredentials(ctx))) {
    throw new ForbiddenError('You are not authorized to complete get_images action.');
  }
  if (q['changes-since'] !== undefined) throw new BadRequestError('The "changes-since" filter is no longer available on v2.');
  const visibility = one(q, 'visibility');
  if (visibility !== undefined && !['community', 'public', 'private', 'shared', 'all'].includes(visibility)) {
    throw new BadRequestError(`Invalid visibility value: ${visibility}`);
  }
  const memberStatus = one(q, 'member_status') ?? 'accepted';
  if (!['pending', 'accepted', 'rejected', 'all'].includes(memberStatus)) throw new BadRequestError(`Invalid status: ${memberStatus}`);
  const rawLimit = one(q, 'limit');
  if (rawLimit !== undefined && !/^-?\d+$/.test(rawLimit)) throw new BadRequestError('limit param must be an integer');
  const limit = Math.min(svc.settings.apiLimitMax, rawLimit === undefined ? svc.settings.limitParamDefault : integerParam('limit', rawLimit));

  const filters: AttributeFilter[] = [];
  for (const col of TEXT_FILTERS) { const v = one(q, col); if (v !== undefined) filters.push(textFilter(col, v)); }
  for (const col of NUMBER_FILTERS) { const v = one(q, col); if (v !== undefined) filters.push({ column: col, op: 'eq', values: [integerParam(col, v)] }); }
  for (const col of TIME_FILTERS) for (const v of all(q, col)) filters.push(timeFilter(col, v));
  const sizeMin = one(q, 'size_min');
  const sizeMax = one(q, 'size_max');
  if (sizeMin !== undefined) filters.push({ column: 'size', op: 'gte', values: [integerParam('size_min', sizeMin)] });
  if (sizeMax !== undefined) filters.push({ column: 'size', op: 'lte', values: [integerParam('size_max', sizeMax)] });
  const hidden = booleanFilter('os_hidden', one(q, 'os_hidden')) ?? false;
  filters.push({ column: 'os_hidden', op: 'eq', values: [hidden ? 1 : 0] });
  const prot = booleanFilter('protected', one(q, 'protected'));
  if (prot !== undefined) filters.push({ column: 'protected', op: 'eq', values: [prot ? 1 : 0] });

  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(q)) {
    if (HANDLED.has(key) || value === undefined) continue;
    properties[key] = Array.isArray(value) ? value[0] ?? '' : value;
  }

  const markerId = one(q, 'marker');
  let marker;
  if (markerId !== undefined) {
    try {
      await findVisibleImage(svc, ctx, markerId);
    } catch {
      throw new BadRequestError(`No image found with ID ${markerId}`);
    }
    marker = await getImageRow(svc.db, markerId);
  }
  const images = await listImages(svc.db, {
    viewer: { projectId: ctx.projectId ?? null, isAdmin: isAdmin(svc, ctx) },
    visibility: visibility as ImageListQuery['visibility'],
    memberStatus: memberStatus as ImageListQuery['memberStatus'],
    filters, properties, tags: all(q, 'tag').map((t) => t.trim()), sort: sorting(q), marker, limit,
  });
  const last = images[images.length - 1];
  return { images, nextMarker: images.length === limit && limit > 0 && last ? last.id : undefined };
}
