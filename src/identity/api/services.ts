import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ForbiddenError } from '../../core/http/index.js';
import type { IdentityService } from '../service.js';
import { extraAttributes } from '../attributes.js';
import { notFound, validation } from '../errors.js';
import { deleteServiceCascade, getServiceRow, insertService, listServiceRows, updateService, type ServiceRow } from '../store/catalog.js';
import { fromBool, parseJson, toBool } from '../store/db.js';
import { countRegisteredLimitsFor } from '../store/limits.js';
import { authorize, created, listBody, queryParam, selfLink, type Guard } from './kit.js';

const serviceProperties = {
  type: Type.String({ minLength: 1, maxLength: 255 }),
  enabled: Type.Optional(Type.Boolean()),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
};
const ServiceCreate = Type.Object({
  service: Type.Object(serviceProperties, { additionalProperties: true }),
});
const ServiceUpdate = Type.Object({
  service: Type.Object({ ...serviceProperties, type: Type.Optional(serviceProperties.type) }, { additionalProperties: true, minProperties: 1 }),
});
type ServiceCreateBody = Static<typeof ServiceCreate>['service'];
type ServiceUpdateBody = Static<typeof ServiceUpdate>['service'];

const KNOWN = ['id', 'type', 'enabled', 'name', 'description', 'links'];
/** Keystone keeps name and description among a service's extra attributes: shown only when set. */
export function serviceView(svc: IdentityService, request: FastifyRequest, row: ServiceRow): Record<string, unknown> {
  return {
    ...parseJson(row.extra),
    ...(row.name !== null ? { name: row.name } : {}),
    ...(row.description !== null ? { description: row.description } : {}),
    id: row.id,
    type: row.type,
    enabled: toBool(row.enabled),
    links: selfLink(svc, request, `services/${row.id}`),
  };
}

export function registerServiceRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/services', authed, async (request) => {
    authorize(svc, request, 'identity:list_services');
    const type = queryParam(request, 'type');
    const name = queryParam(request, 'name');
    const rows = await listServiceRows(svc.db, { ...(type !== undefined ? { type } : {}), ...(name !== undefined ? { name } : {}) });
    return listBody(svc, request, 'services', rows.map((r) => serviceView(svc, request, r)));
  });

  app.post('/v3/services', { ...authed, schema: { body: ServiceCreate } }, async (request, reply) => {
    authorize(svc, request, 'identity:create_service');
    const body = (request.body as { service: ServiceCreateBody }).service;
    const row: ServiceRow = {
      id: svc.ids.hex(),
      type: body.type,
      name: body.name ?? null,
      description: body.description ?? null,
      enabled: fromBool(body.enabled),
      extra: JSON.stringify(extraAttributes(body, KNOWN)),
    };
    await insertService(svc.db, row);
    return created(reply, { service: serviceView(svc, request, row) });
  });

  app.get<{ Params: { service_id: string } }>('/v3/services/:service_id', authed, async (request) => {
    authorize(svc, request, 'identity:get_service');
    const row = await getServiceRow(svc.db, request.params.service_id);
    if (!row) throw notFound('service', request.params.service_id);
    return { service: serviceView(svc, request, row) };
  });

  app.patch<{ Params: { service_id: string } }>('/v3/services/:service_id', { ...authed, schema: { body: ServiceUpdate } }, async (request) => {
    authorize(svc, request, 'identity:update_service');
    const id = request.params.service_id;
    const row = await getServiceRow(svc.db, id);
    if (!row) throw notFound('service', id);
    const body = (request.body as { service: ServiceUpdateBody }).service;
    if ('id' in body && body['id'] !== id) throw validation('Cannot change ID');
    const next: ServiceRow = {
      ...row,
      type: body.type ?? row.type,
      name: body.name !== undefined ? body.name : row.name,
      description: body.description !== undefined ? body.description : row.description,
      enabled: body.enabled !== undefined ? fromBool(body.enabled) : row.enabled,
      extra: JSON.stringify({ ...parseJson(row.extra), ...extraAttributes(body, KNOWN) }),
    };
    await updateService(svc.db, next);
    return { service: serviceView(svc, request, next) };
  });

  app.delete<{ Params: { service_id: string } }>('/v3/services/:service_id', authed, async (request, reply) => {
    authorize(svc, request, 'identity:delete_service');
    const id = request.params.service_id;
    if (!(await getServiceRow(svc.db, id))) throw notFound('service', id);
    await svc.db.transaction().execute(async (tx) => {
      // Keystone's registered_limit.service_id is a foreign key: the service stays
      // while registered limits name it.
      if (await countRegisteredLimitsFor(tx, { serviceId: id }) > 0) {
        throw new ForbiddenError(`Unable to delete service ${id} because registered limits refer to it.`);
      }
      await deleteServiceCascade(tx, id);
    });
    return reply.status(204).send();
  });
}
