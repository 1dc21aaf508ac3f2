import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { IdentityService } from '../service.js';
import { getLimitRow, type LimitRow } from '../store/limits.js';
import { getProjectRow } from '../store/projects.js';
import { limitNotFound } from '../unified-limits.js';
import { authorize, created, listBody, queryParam, selfLink, type Guard } from './kit.js';
import { Description, IdString, LimitValue, ResourceName } from './registered-limits.js';

// keystone/limit/schema.py (Zed): a limit names exactly one of project_id and domain_id.
const limitProperties = {
  service_id: IdString,
  region_id: Type.Optional(Type.String()),
  resource_name: ResourceName,
  resource_limit: LimitValue,
  description: Type.Optional(Description),
};
const LimitsCreate = Type.Object({
  limits: Type.Array(Type.Union([
    Type.Object({ project_id: IdString, ...limitProperties }, { additionalProperties: false }),
    Type.Object({ domain_id: IdString, ...limitProperties }, { additionalProperties: false }),
  ]), { minItems: 1 }),
});
const LimitUpdate = Type.Object({
  limit: Type.Object({ resource_limit: Type.Optional(LimitValue), description: Type.Optional(Description) }, { additionalProperties: false }),
});
type LimitsCreateBody = Static<typeof LimitsCreate>;
type LimitUpdateBody = Static<typeof LimitUpdate>;

function view(svc: IdentityService, request: FastifyRequest, row: LimitRow): Record<string, unknown> {
  return {
    id: row.id,
    project_id: row.project_id,
    domain_id: row.domain_id,
    service_id: row.service_id,
    region_id: row.region_id,
    resource_name: row.resource_name,
    resource_limit: row.resource_limit,
    description: row.description,
    links: selfLink(svc, request, `limits/${row.id}`),
  };
}

/**
 * The target identity:get_limit sees: the limit with its project (for the project's
 * domain) or its domain. Empty when the limit does not exist, so the policy decides
 * before the 404, as in Keystone.
 */
async function limitTarget(svc: IdentityService, row: LimitRow | undefined): Promise<Record<string, unknown>> {
  if (!row) return {};
  const owner = await getProjectRow(svc.db, row.project_id ?? row.domain_id ?? '');
  const limit: Record<string, unknown> = { ...row };
  if (row.project_id && owner) limit['project'] = { id: owner.id, domain_id: owner.domain_id, parent_id: owner.parent_id };
  else if (row.domain_id && owner) limit['domain'] = { id: owner.id };
  return { target: { limit } };
}

export function registerLimitRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/limits/model', authed, async (request) => {
    authorize(svc, request, 'identity:get_limit_model');
    return { model: { name: svc.limits.model.name, description: svc.limits.model.description } };
  });

  app.get('/v3/limits', authed, async (request) => {
    const ctx = authorize(svc, request, 'identity:list_limits');
    const filter: Record<string, string> = {};
    for (const [param, key] of [['service_id', 'serviceId'], ['region_id', 'regionId'], ['resource_name', 'resourceName'],
      ['project_id', 'projectId'], ['domain_id', 'domainId']] as const) {
      const value = queryParam(request, param);
      if (value !== undefined) filter[key] = value;
    }
    const rows = await svc.limits.visibleLimits(ctx, filter);
    return listBody(svc, request, 'limits', rows.map((r) => view(svc, request, r)));
  });

  app.post('/v3/limits', { ...authed, schema: { body: LimitsCreate } }, async (request, reply) => {
    authorize(svc, request, 'identity:create_limits');
    const rows = await svc.limits.createLimits((request.body as LimitsCreateBody).limits);
    return created(reply, { limits: rows.map((r) => view(svc, request, r)) });
  });

  app.get<{ Params: { id: string } }>('/v3/limits/:id', authed, async (request) => {
    const row = await getLimitRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:get_limit', await limitTarget(svc, row));
    if (!row) throw limitNotFound(request.params.id);
    return { limit: view(svc, request, row) };
  });

  app.patch<{ Params: { id: string } }>('/v3/limits/:id', { ...authed, schema: { body: LimitUpdate } }, async (request) => {
    authorize(svc, request, 'identity:update_limit');
    const row = await svc.limits.updateLimit(request.params.id, (request.body as LimitUpdateBody).limit);
    return { limit: view(svc, request, row) };
  });

  app.delete<{ Params: { id: string } }>('/v3/limits/:id', authed, async (request, reply) => {
    authorize(svc, request, 'identity:delete_limit');
    await svc.limits.deleteLimit(request.params.id);
    return reply.status(204).send();
  });
}
