import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ForbiddenError } from '../../core/http/index.js';
import type { IdentityService } from '../service.js';
import { duplicate, notFound, validation } from '../errors.js';
import { parseJson } from '../store/db.js';
import { listEndpointRows, regionWithChildren } from '../store/catalog.js';
import { countRegisteredLimitsFor } from '../store/limits.js';
import { deleteRegion, getRegionRow, insertRegion, listRegionRows, updateRegion, type RegionRow } from '../store/regions.js';
import { authorize, created, listBody, queryParam, selfLink, type Guard } from './kit.js';

const RegionCreate = Type.Object({
  region: Type.Object({
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    parent_region_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  }, { additionalProperties: true }),
});
const RegionUpdate = Type.Object({
  region: Type.Object({
    description: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    parent_region_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  }, { additionalProperties: true, minProperties: 1 }),
});
type RegionCreateBody = Static<typeof RegionCreate>;
type RegionUpdateBody = Static<typeof RegionUpdate>;

/** Keystone's region view: extra attributes are returned beside the known ones. */
function view(svc: IdentityService, request: FastifyRequest, row: RegionRow): Record<string, unknown> {
  return {
    ...parseJson(row.extra),
    id: row.id,
    description: row.description ?? '',
    parent_region_id: row.parent_region_id,
    links: selfLink(svc, request, `regions/${row.id}`),
  };
}

const extraOf = (body: Record<string, unknown>): string => {
  const { id: _id, description: _d, parent_region_id: _p, ...extra } = body;
  return JSON.stringify(extra);
};

/** Refuses a parent that does not exist or that would make a cycle. */
async function checkParent(svc: IdentityService, regionId: string, parentId: string | null | undefined): Promise<void> {
  if (!parentId) return;
  let cursor: string | null = parentId;
  for (let depth = 0; cursor && depth < 100; depth++) {
    if (cursor === regionId) throw validation(`Circular reference or a repeated entry found in region tree - ${regionId}.`);
    const parent: RegionRow | undefined = await getRegionRow(svc.db, cursor);
    if (!parent) throw notFound('region', parentId);
    cursor = parent.parent_region_id;
  }
}

export function registerRegionRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/regions', authed, async (request) => {
    authorize(svc, request, 'identity:list_regions');
    const parent = queryParam(request, 'parent_region_id');
    const rows = await listRegionRows(svc.db, parent);
    return listBody(svc, request, 'regions', rows.map((r) => view(svc, request, r)));
  });

  app.get<{ Params: { id: string } }>('/v3/regions/:id', authed, async (request) => {
    authorize(svc, request, 'identity:get_region');
    const row = await getRegionRow(svc.db, request.params.id);
    if (!row) throw notFound('region', request.params.id);
    return { region: view(svc, request, row) };
  });

  const create = async (request: FastifyRequest, id: string): Promise<RegionRow> => {
    const body = (request.body as RegionCreateBody).region;
    authorize(svc, request, 'identity:create_region');
    if (body.id !== undefined && request.method === 'PUT' && body.id !== id) {
      throw validation('Conflicting region IDs specified: "' + id + '" != "' + body.id + '"');
    }
    await checkParent(svc, id, body.parent_region_id);
    const row: RegionRow = { id, description: body.description ?? null, parent_region_id: body.parent_region_id ?? null, extra: extraOf(body) };
    if (await getRegionRow(svc.db, id)) throw duplicate('region', 'id', id);
    await insertRegion(svc.db, row);
    return row;
  };

  app.post('/v3/regions', { ...authed, schema: { body: RegionCreate } }, async (request, reply) => {
    const body = (request.body as RegionCreateBody).region;
    const row = await create(request, body.id ?? svc.ids.hex());
    return created(reply, { region: view(svc, request, row) });
  });

  app.put<{ Params: { id: string } }>('/v3/regions/:id', { ...authed, schema: { body: RegionCreate } }, async (request, reply) => {
    const row = await create(request, request.params.id);
    return created(reply, { region: view(svc, request, row) });
  });

  app.patch<{ Params: { id: string } }>('/v3/regions/:id', { ...authed, schema: { body: RegionUpdate } }, async (request) => {
    authorize(svc, request, 'identity:update_region');
    const { id } = request.params;
    const row = await getRegionRow(svc.db, id);
    if (!row) throw notFound('region', id);
    const body = (request.body as RegionUpdateBody).region;
    if ('id' in body && body['id'] !== id) throw validation("Invalid input for field 'id': the region id cannot be changed.");
    if (body.parent_region_id !== undefined) await checkParent(svc, id, body.parent_region_id);
    const next: RegionRow = {
      id,
      description: body.description !== undefined ? body.description : row.description,
      parent_region_id: body.parent_region_id !== undefined ? body.parent_region_id : row.parent_region_id,
      extra: JSON.stringify({ ...parseJson(row.extra), ...JSON.parse(extraOf(body)) as Record<string, unknown> }),
    };
    await updateRegion(svc.db, next);
    return { region: view(svc, request, next) };
  });

  app.delete<{ Params: { id: string } }>('/v3/regions/:id', authed, async (request, reply) => {
    authorize(svc, request, 'identity:delete_region');
    const { id } = request.params;
    if (!(await getRegionRow(svc.db, id))) throw notFound('region', id);
    // As Keystone: refused while the region or any region below it has endpoints;
    // otherwise the whole subtree goes.
    await svc.db.transaction().execute(async (tx) => {
      const subtree = await regionWithChildren(tx, id);
      if ((await listEndpointRows(tx, { regionIds: subtree })).length > 0) {
        throw new ForbiddenError(`Unable to delete region ${id} because it or its child regions have associated endpoints.`);
      }
      // registered_limit.region_id is a foreign key in Keystone.
      if (await countRegisteredLimitsFor(tx, { regionIds: subtree }) > 0) {
        throw new ForbiddenError(`Unable to delete region ${id} because it or its child regions have registered limits.`);
      }
      for (const regionId of subtree.reverse()) await deleteRegion(tx, regionId);
    });
    return reply.status(204).send();
  });
}
