import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { addFlavorAccess, deleteExtraSpec, extraSpecsOf, flavorAccess, getFlavor, removeFlavorAccess, setExtraSpecs } from '../domain/flavors.js';
import { badRequest, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { checkBody } from './validate.js';

type IdParams = { Params: { id: string } };
type KeyParams = { Params: { id: string; key: string } };

const SPEC_KEY = '^[a-zA-Z0-9-_:. ]{1,255}$';
const SpecValue = Type.Union([Type.String({ maxLength: 255 }), Type.Number(), Type.Boolean()]);
const Specs = Type.Object({ extra_specs: Type.Record(Type.String({ pattern: SPEC_KEY }), SpecValue) }, { additionalProperties: false });
const OneSpec = Type.Record(Type.String({ pattern: SPEC_KEY }), SpecValue, { minProperties: 1, maxProperties: 1 });
const Tenant = Type.Object({ tenant: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false });
const Action = Type.Union([
  Type.Object({ addTenantAccess: Tenant }, { additionalProperties: false }),
  Type.Object({ removeTenantAccess: Tenant }, { additionalProperties: false }),
]);

/** Python's str() of an extra spec value: booleans as True/False. */
function specString(value: string | number | boolean): string {
  return typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);
}

const accessView = (flavorid: string, projects: string[]) => ({ flavor_access: projects.map((tenant_id) => ({ flavor_id: flavorid, tenant_id })) });

export function registerFlavorAccessRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.get<IdParams>('/v2.1/flavors/:id/os-flavor-access', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-flavor-access');
    return accessView(request.params.id, await flavorAccess(svc, request.params.id));
  });

  app.post<IdParams>('/v2.1/flavors/:id/action', authed, async (request) => {
    const ctx = callerOf(request);
    const body = checkBody(Action, request.body);
    if ('addTenantAccess' in body) {
      svc.authorize(ctx, 'os_compute_api:os-flavor-access:add_tenant_access');
      return accessView(request.params.id, await addFlavorAccess(svc, request.params.id, body.addTenantAccess.tenant));
    }
    svc.authorize(ctx, 'os_compute_api:os-flavor-access:remove_tenant_access');
    return accessView(request.params.id, await removeFlavorAccess(svc, request.params.id, body.removeTenantAccess.tenant));
  });

  app.get<IdParams>('/v2.1/flavors/:id/os-extra_specs', authed, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-flavor-extra-specs:index');
    const flavor = await getFlavor(svc, ctx, request.params.id);
    return { extra_specs: (await extraSpecsOf(svc, [flavor.id])).get(flavor.id) };
  });

  app.post<IdParams>('/v2.1/flavors/:id/os-extra_specs', authed, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-flavor-extra-specs:create');
    const { extra_specs } = checkBody(Specs, request.body);
    const flavor = await getFlavor(svc, ctx, request.params.id);
    const specs = Object.fromEntries(Object.entries(extra_specs).map(([k, v]) => [k, specString(v)]));
    await setExtraSpecs(svc, flavor, specs);
    return { extra_specs: specs };
  });

  app.get<KeyParams>('/v2.1/flavors/:id/os-extra_specs/:key', authed, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-flavor-extra-specs:show');
    const flavor = await getFlavor(svc, ctx, request.params.id);
    const value = (await extraSpecsOf(svc, [flavor.id])).get(flavor.id)![request.params.key];
    if (value === undefined) throw notFound(`Flavor ${flavor.flavorid} has no extra specs with key ${request.params.key}.`);
    return { [request.params.key]: value };
  });

  app.put<KeyParams>('/v2.1/flavors/:id/os-extra_specs/:key', authed, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-flavor-extra-specs:update');
    const body = checkBody(OneSpec, request.body);
    if (!(request.params.key in body)) throw badRequest('Request body and URI mismatch');
    const flavor = await getFlavor(svc, ctx, request.params.id);
    const value = specString(body[request.params.key]!);
    await setExtraSpecs(svc, flavor, { [request.params.key]: value });
    return { [request.params.key]: value };
  });

  app.delete<KeyParams>('/v2.1/flavors/:id/os-extra_specs/:key', authed, async (request, reply) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-flavor-extra-specs:delete');
    const flavor = await getFlavor(svc, ctx, request.params.id);
    await deleteExtraSpec(svc, flavor, request.params.key);
    return reply.status(200).send();
  });
}
