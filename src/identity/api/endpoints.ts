import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { IdentityService } from '../service.js';
import { extraAttributes } from '../attributes.js';
import { notFound, validation } from '../errors.js';
import {
  deleteEndpointCascade, getEndpointRow, getServiceRow, insertEndpoint, listEndpointRows, regionWithChildren, updateEndpoint, type EndpointRow,
} from '../store/catalog.js';
import { fromBool, parseJson, toBool, type Queryable } from '../store/db.js';
import { getRegionRow, insertRegion } from '../store/regions.js';
import { authorize, created, listBody, queryParam, selfLink, type Guard } from './kit.js';

const Interface = Type.Union([Type.Literal('admin'), Type.Literal('internal'), Type.Literal('public')]);
const endpointProperties = {
  interface: Interface,
  service_id: Type.String(),
  url: Type.String({ minLength: 0, maxLength: 225, pattern: '^[a-zA-Z0-9+.-]+:.+' }),
  region_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** Deprecated v3.0 spelling of region_id; a missing region is created, as Keystone does. */
  region: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  enabled: Type.Optional(Type.Boolean()),
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
};
const EndpointCreate = Type.Object({
  endpoint: Type.Object({ ...endpointProperties, id: Type.Optional(Type.String()) }, { additionalProperties: true }),
});
const EndpointUpdate = Type.Object({
  endpoint: Type.Partial(Type.Object(endpointProperties, { additionalProperties: true }), { additionalProperties: true, minProperties: 1 }),
});
type EndpointBody = Partial<Static<typeof EndpointCreate>['endpoint']>;

const KNOWN = ['id', 'interface', 'service_id', 'url', 'region_id', 'region', 'enabled', 'links', 'legacy_endpoint_id'];
/** Keystone's endpoint view: `region` repeats region_id for v3.0 clients. */
export function endpointView(svc: IdentityService, request: FastifyRequest, row: EndpointRow): Record<string, unknown> {
  return {
    ...parseJson(row.extra),
    id: row.id,
    interface: row.interface,
    region_id: row.region_id,
    region: row.region_id,
    service_id: row.service_id,
    url: row.url,
    enabled: toBool(row.enabled),
    links: selfLink(svc, request, `endpoints/${row.id}`),
  };
}

/** Keystone's ValidationError wording for a reference to a missing row. */
const missingReference = (attribute: string, table: string): Error => validation(
  `Expecting to find ${attribute} in ${table}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
);

/**
 * The region an endpoint body names: region_id must exist; the legacy `region` is
 * created when missing. Returns undefined when the body names no region.
 */
async function regionOf(tx: Queryable, body: EndpointBody): Promise<string | null | undefined> {
  if (body.region_id !== undefined && body.region_id !== null) {
    if (!(await getRegionRow(tx, body.region_id))) throw missingReference('endpoint region_id', 'region table');
    return body.region_id;
  }
  if (body.region !== undefined && body.region !== null) {
    if (!(await getRegionRow(tx, body.region))) {
      await insertRegion(tx, { id: body.region, description: '', parent_region_id: null, extra: '{}' });
    }
    return body.region;
  }
  if (body.region_id === null || body.region === null) return null;
  return undefined;
}

export function registerEndpointRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/endpoints', authed, async (request) => {
    authorize(svc, request, 'identity:list_endpoints');
    const serviceId = queryParam(request, 'service_id');
    const iface = queryParam(request, 'interface');
    const regionId = queryParam(request, 'region_id');
    if (iface !== undefined && !['admin', 'internal', 'public'].includes(iface)) {
      throw validation(`Invalid input for field 'interface': '${iface}' is not one of ['admin', 'internal', 'public']`);
    }
    const rows = await listEndpointRows(svc.db, {
      ...(serviceId !== undefined ? { serviceId } : {}),
      ...(iface !== undefined ? { interface: iface } : {}),
      ...(regionId !== undefined ? { regionIds: await regionWithChildren(svc.db, regionId) } : {}),
    });
    return listBody(svc, request, 'endpoints', rows.map((r) => endpointView(svc, request, r)));
  });

  app.post('/v3/endpoints', { ...authed, schema: { body: EndpointCreate } }, async (request, reply) => {
    authorize(svc, request, 'identity:create_endpoint');
    const body = (request.body as { endpoint: EndpointBody }).endpoint;
    const row = await svc.db.transaction().execute(async (tx) => {
      const regionId = await regionOf(tx, body);
      if (!(await getServiceRow(tx, body.service_id as string))) throw missingReference('endpoint service_id', 'service table');
      const next: EndpointRow = {
        id: svc.ids.hex(),
        service_id: body.service_id as string,
        interface: body.interface as string,
        url: body.url as string,
        region_id: regionId ?? null,
        enabled: fromBool(body.enabled),
        extra: JSON.stringify(extraAttributes(body, KNOWN)),
      };
      await insertEndpoint(tx, next);
      return next;
    });
    return created(reply, { endpoint: endpointView(svc, request, row) });
  });

  app.get<{ Params: { endpoint_id: string } }>('/v3/endpoints/:endpoint_id', authed, async (request) => {
    authorize(svc, request, 'identity:get_endpoint');
    const row = await getEndpointRow(svc.db, request.params.endpoint_id);
    if (!row) throw notFound('endpoint', request.params.endpoint_id);
    return { endpoint: endpointView(svc, request, row) };
  });

  app.patch<{ Params: { endpoint_id: string } }>('/v3/endpoints/:endpoint_id', { ...authed, schema: { body: EndpointUpdate } }, async (request) => {
    authorize(svc, request, 'identity:update_endpoint');
    const id = request.params.endpoint_id;
    const body = (request.body as { endpoint: EndpointBody }).endpoint;
    if (body.id !== undefined && body.id !== id) throw validation('Cannot change ID');
    const next = await svc.db.transaction().execute(async (tx) => {
      const row = await getEndpointRow(tx, id);
      if (!row) throw notFound('endpoint', id);
      const regionId = await regionOf(tx, body);
      if (body.service_id !== undefined && !(await getServiceRow(tx, body.service_id))) throw missingReference('endpoint service_id', 'service table');
      const updated: EndpointRow = {
        ...row,
        service_id: body.service_id ?? row.service_id,
        interface: body.interface ?? row.interface,
        url: body.url ?? row.url,
        region_id: regionId !== undefined ? regionId : row.region_id,
        enabled: body.enabled !== undefined ? fromBool(body.enabled) : row.enabled,
        extra: JSON.stringify({ ...parseJson(row.extra), ...extraAttributes(body, KNOWN) }),
      };
      await updateEndpoint(tx, updated);
      return updated;
    });
    return { endpoint: endpointView(svc, request, next) };
  });

  app.delete<{ Params: { endpoint_id: string } }>('/v3/endpoints/:endpoint_id', authed, async (request, reply) => {
    authorize(svc, request, 'identity:delete_endpoint');
    const id = request.params.endpoint_id;
    if (!(await getEndpointRow(svc.db, id))) throw notFound('endpoint', id);
    await svc.db.transaction().execute(async (tx) => deleteEndpointCascade(tx, id));
    return reply.status(204).send();
  });
}
