import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { IdentityService } from '../service.js';
import { getRegisteredLimitRow, listRegisteredLimitRows, type RegisteredLimitRow } from '../store/limits.js';
import { registeredLimitNotFound } from '../unified-limits.js';
import { authorize, created, listBody, queryParam, selfLink, type Guard } from './kit.js';

// keystone/limit/schema.py (Zed).
export const IdString = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' });
export const ResourceName = Type.String({ minLength: 1, maxLength: 255 });
/** -1 means unlimited; the top is the largest signed 32-bit INT the column holds. */
export const LimitValue = Type.Integer({ minimum: -1, maximum: 0x7fffffff });
export const Description = Type.Union([Type.String(), Type.Null()]);

const registeredLimitProperties = {
  service_id: IdString,
  region_id: Type.Union([Type.String(), Type.Null()]),
  resource_name: ResourceName,
  default_limit: LimitValue,
  description: Description,
};
const RegisteredLimitsCreate = Type.Object({
  registered_limits: Type.Array(Type.Object({
    ...registeredLimitProperties,
    region_id: Type.Optional(registeredLimitProperties.region_id),
    description: Type.Optional(Description),
  }, { additionalProperties: false }), { minItems: 1 }),
});
const RegisteredLimitUpdate = Type.Object({
  registered_limit: Type.Partial(Type.Object(registeredLimitProperties), { additionalProperties: false }),
});
type RegisteredLimitsCreateBody = Static<typeof RegisteredLimitsCreate>;
type RegisteredLimitUpdateBody = Static<typeof RegisteredLimitUpdate>;

function view(svc: IdentityService, request: FastifyRequest, row: RegisteredLimitRow): Record<string, unknown> {
  return {
    id: row.id,
    service_id: row.service_id,
    region_id: row.region_id,
    resource_name: row.resource_name,
    default_limit: row.default_limit,
    description: row.description,
    links: selfLink(svc, request, `registered_limits/${row.id}`),
  };
}

export function registerRegisteredLimitRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/registered_limits', authed, async (request) => {
    authorize(svc, request, 'identity:list_registered_limits');
    const serviceId = queryParam(request, 'service_id');
    const regionId = queryParam(request, 'region_id');
    const resourceName = queryParam(request, 'resource_name');
    const rows = await listRegisteredLimitRows(svc.db, {
      ...(serviceId !== undefined ? { serviceId } : {}),
      ...(regionId !== undefined ? { regionId } : {}),
      ...(resourceName !== undefined ? { resourceName } : {}),
    });
    return listBody(svc, request, 'registered_limits', rows.map((r) => view(svc, request, r)));
  });

  // Keystone answers a batch create with the created items and no collection links.
  app.post('/v3/registered_limits', { ...authed, schema: { body: RegisteredLimitsCreate } }, async (request, reply) => {
    authorize(svc, request, 'identity:create_registered_limits');
    const body = request.body as RegisteredLimitsCreateBody;
    const rows = await svc.limits.createRegisteredLimits(body.registered_limits);
    return created(reply, { registered_limits: rows.map((r) => view(svc, request, r)) });
  });

  app.get<{ Params: { id: string } }>('/v3/registered_limits/:id', authed, async (request) => {
    authorize(svc, request, 'identity:get_registered_limit');
    const row = await getRegisteredLimitRow(svc.db, request.params.id);
    if (!row) throw registeredLimitNotFound(request.params.id);
    return { registered_limit: view(svc, request, row) };
  });

  app.patch<{ Params: { id: string } }>('/v3/registered_limits/:id', { ...authed, schema: { body: RegisteredLimitUpdate } }, async (request) => {
    authorize(svc, request, 'identity:update_registered_limit');
    const patch = (request.body as RegisteredLimitUpdateBody).registered_limit;
    const row = await svc.limits.updateRegisteredLimit(request.params.id, patch);
    return { registered_limit: view(svc, request, row) };
  });

  app.delete<{ Params: { id: string } }>('/v3/registered_limits/:id', authed, async (request, reply) => {
    authorize(svc, request, 'identity:delete_registered_limit');
    await svc.limits.deleteRegisteredLimit(request.params.id);
    return reply.status(204).send();
  });
}
