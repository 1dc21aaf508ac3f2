import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { ApiVersion } from '../../core/http/index.js';
import type { FlavorRow } from '../db/schema.js';
import { createFlavor, deleteFlavor, extraSpecsOf, getFlavor, listFlavors, updateFlavorDescription } from '../domain/flavors.js';
import { badRequest } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { nextLink, resourceLinks } from './links.js';
import { pageParams } from './paging.js';
import { BOOLEAN_VALUES, checkBody, parseBoolean } from './validate.js';

type IdParams = { Params: { id: string } };

const SORT_KEYS = ['created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb', 'name', 'root_gb',
  'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus'];
const NAME_PATTERN = '^(?![\\s])[\\S ]*(?<![\\s])$';
const Positive = Type.Union([Type.Integer({ minimum: 1, maximum: 2147483647 }), Type.String({ pattern: '^[0-9]+$' })]);
const NonNegative = Type.Union([Type.Integer({ minimum: 0, maximum: 2147483647 }), Type.String({ pattern: '^[0-9]+$' })]);
const Description = Type.Union([Type.String({ maxLength: 65535 }), Type.Null()]);
const flavorFields = {
  name: Type.String({ minLength: 1, maxLength: 255, pattern: NAME_PATTERN }),
  id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255, pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$' }), Type.Number(), Type.Null()])),
  ram: Positive, vcpus: Positive, disk: NonNegative,
  'OS-FLV-EXT-DATA:ephemeral': Type.Optional(NonNegative),
  swap: Type.Optional(NonNegative),
  rxtx_factor: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 3.40282e38 }), Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$' })])),
  'os-flavor-access:is_public': Type.Optional(Type.Unsafe<unknown>({ enum: BOOLEAN_VALUES })),
};
const Create = Type.Object({ flavor: Type.Object(flavorFields, { additionalProperties: false }) }, { additionalProperties: false });
const CreateV255 = Type.Object({ flavor: Type.Object({ ...flavorFields, description: Type.Optional(Description) }, { additionalProperties: false }) }, { additionalProperties: false });
const Update = Type.Object({ flavor: Type.Object({ description: Description }, { additionalProperties: false }) }, { additionalProperties: false });

export function flavorBasicView(request: FastifyRequest, row: FlavorRow): Record<string, unknown> {
  const view: Record<string, unknown> = { id: row.flavorid, name: row.name, links: resourceLinks(request, 'flavors', row.flavorid) };
  if (request.apiVersion.atLeast('2.55')) view.description = row.description;
  return view;
}

export function flavorView(request: FastifyRequest, row: FlavorRow, extraSpecs?: Record<string, string>): Record<string, unknown> {
  const v = request.apiVersion;
  const view: Record<string, unknown> = {
    id: row.flavorid, name: row.name, ram: row.memory_mb, disk: row.root_gb,
    swap: v.atLeast('2.75') ? row.swap : row.swap || '',
    'OS-FLV-EXT-DATA:ephemeral': row.ephemeral_gb, 'OS-FLV-DISABLED:disabled': row.disabled === 1, vcpus: row.vcpus,
    'os-flavor-access:is_public': row.is_public === 1, rxtx_factor: row.rxtx_factor || '',
    links: resourceLinks(request, 'flavors', row.flavorid),
  };
  if (v.atLeast('2.55')) view.description = row.description;
  if (extraSpecs) view.extra_specs = extraSpecs;
  return view;
}

/** Extra specs are shown from 2.61 to callers the extra-specs index policy allows. */
async function specsFor(svc: ComputeService, request: FastifyRequest, rows: FlavorRow[]): Promise<Map<number, Record<string, string>> | undefined> {
  if (!request.apiVersion.atLeast('2.61') || !svc.allowed(callerOf(request), 'os_compute_api:os-flavor-extra-specs:index')) return undefined;
  return extraSpecsOf(svc, rows.map((r) => r.id));
}

function listQuery(svc: ComputeService, request: FastifyRequest, v: ApiVersion) {
  const q = request.query as Record<string, string | string[] | undefined>;
  const one = (k: string): string | undefined => (Array.isArray(q[k]) ? (q[k] as string[]).at(-1) : (q[k] as string | undefined));
  if (v.atLeast('2.75')) {
    const extra = Object.keys(q).filter((k) => !['limit', 'marker', 'is_public', 'minRam', 'minDisk', 'sort_key', 'sort_dir'].includes(k));
    if (extra.length > 0) throw badRequest(`Additional properties are not allowed ('${extra[0]}' was unexpected)`);
  }
  const ctx = callerOf(request);
  const admin = svc.isAdmin(ctx);
  let isPublic: boolean | null = true;
  const isPublicText = one('is_public');
  if (admin && isPublicText !== undefined) {
    if (['none', 'null'].includes(isPublicText.toLowerCase())) isPublic = null;
    else {
      const parsed = parseBoolean(isPublicText);
      if (parsed === undefined) throw badRequest(`Invalid is_public filter [${isPublicText}]`);
      isPublic = parsed;
    }
  }
  const int = (k: string, what: string): number | undefined => {
    const text = one(k);
    if (text === undefined) return undefined;
    if (!/^-?\d+$/.test(text)) throw badRequest(`Invalid ${what} filter [${text}]`);
    return Number(text);
  };
  const sortKey = one('sort_key') || 'flavorid';
  const sortDir = one('sort_dir') || 'asc';
  if (!SORT_KEYS.includes(sortKey)) throw badRequest(`Invalid input for query parameters sort_key. Value: ${sortKey}.`);
  if (sortDir !== 'asc' && sortDir !== 'desc') throw badRequest(`Invalid input for query parameters sort_dir. Value: ${sortDir}.`);
  const { limit, marker } = pageParams(q);
  const minRam = int('minRam', 'minRam');
  const minDisk = int('minDisk', 'minDisk');
  return {
    isPublic, includeDisabled: admin, sortKey, sortDir: sortDir as 'asc' | 'desc',
    ...(minRam !== undefined ? { minRam } : {}), ...(minDisk !== undefined ? { minDisk } : {}),
    ...(limit !== undefined ? { limit } : {}), ...(marker !== undefined ? { marker } : {}),
  };
}

export function registerFlavorRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const list = async (request: FastifyRequest, detail: boolean): Promise<Record<string, unknown>> => {
    const q = listQuery(svc, request, request.apiVersion);
    const rows = await listFlavors(svc, callerOf(request), q);
    const specs = detail ? await specsFor(svc, request, rows) : undefined;
    const body: Record<string, unknown> = {
      flavors: rows.map((r) => (detail ? flavorView(request, r, specs?.get(r.id)) : flavorBasicView(request, r))),
    };
    if (q.limit !== undefined && rows.length === q.limit && rows.length > 0) {
      body.flavors_links = nextLink(request, detail ? 'flavors/detail' : 'flavors', rows.at(-1)!.flavorid);
    }
    return body;
  };
  app.get('/v2.1/flavors', authed, (request) => list(request, false));
  app.get('/v2.1/flavors/detail', authed, (request) => list(request, true));

  app.get<IdParams>('/v2.1/flavors/:id', authed, async (request) => {
    const row = await getFlavor(svc, callerOf(request), request.params.id);
    const specs = await specsFor(svc, request, [row]);
    return { flavor: flavorView(request, row, specs?.get(row.id)) };
  });

  app.post('/v2.1/flavors', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-flavor-manage:create');
    const v = request.apiVersion;
    const { flavor: f } = checkBody(v.atLeast('2.55') ? CreateV255 : Create, request.body) as { flavor: Record<string, unknown> };
    const isPublic = f['os-flavor-access:is_public'] === undefined ? true : parseBoolean(f['os-flavor-access:is_public'])!;
    const row = await createFlavor(svc, {
      name: String(f.name), ...(f.id !== undefined && f.id !== null ? { flavorid: String(f.id) } : {}),
      memory_mb: Number(f.ram), vcpus: Number(f.vcpus), root_gb: Number(f.disk),
      ephemeral_gb: Number(f['OS-FLV-EXT-DATA:ephemeral'] ?? 0), swap: Number(f.swap ?? 0),
      rxtx_factor: Number(f.rxtx_factor ?? 1.0), is_public: isPublic, description: (f.description as string | null | undefined) ?? null,
    });
    return { flavor: flavorView(request, row, v.atLeast('2.61') ? {} : undefined) };
  });

  app.put<IdParams>('/v2.1/flavors/:id', { ...authed, config: { versions: { min: '2.55' } } }, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-flavor-manage:update');
    const { flavor } = checkBody(Update, request.body);
    const row = await updateFlavorDescription(svc, request.params.id, flavor.description);
    const specs = await specsFor(svc, request, [row]);
    return { flavor: flavorView(request, row, specs?.get(row.id)) };
  });

  app.delete<IdParams>('/v2.1/flavors/:id', authed, async (request, reply) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-flavor-manage:delete');
    await deleteFlavor(svc, request.params.id);
    return reply.status(202).send();
  });
}
