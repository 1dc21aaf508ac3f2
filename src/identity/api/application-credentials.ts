import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { BadRequestError, ForbiddenError } from '../../core/http/index.js';
import { expandImplied } from '../auth/effective-roles.js';
import { effectiveRoles } from '../auth/effective-roles.js';
import { duplicate, notFound } from '../errors.js';
import type { IdentityService } from '../service.js';
import {
  AccessRuleMissing, AppCredConflict, appCredAccessRules, appCredRoleIds, deleteAppCred, getAppCredRow, insertAppCred,
  listAppCredRows, type AccessRuleRequest, type AppCredRow,
} from '../store/app-creds.js';
import { toBool } from '../store/db.js';
import { rolesByIds } from '../store/roles.js';
import { NULL_DOMAIN } from '../store/schema.js';
import { naiveTime, parseExpiration } from '../timestamps.js';
import { callerToken, refuseRestrictedAppCred, refuseTrustToken } from './delegation.js';
import { roleView } from './roles.js';
import { authorize, created, listBody, queryParam, selfLink, type Guard } from './kit.js';

const RoleRef = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  domain_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
}, { minProperties: 1 });

export const AccessRuleBody = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  service: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' })),
  path: Type.Optional(Type.String({ maxLength: 225, pattern: '^/' })),
  method: Type.Optional(Type.Union(['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'].map((m) => Type.Literal(m)))),
}, { additionalProperties: false, minProperties: 1 });

const AppCredCreate = Type.Object({
  application_credential: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' }),
    description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    secret: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    expires_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    roles: Type.Optional(Type.Array(RoleRef)),
    unrestricted: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    access_rules: Type.Optional(Type.Array(AccessRuleBody)),
  }, { additionalProperties: false }),
});
type AppCredCreateBody = Static<typeof AppCredCreate>;
type Params = { user_id: string; id: string };

const notFoundCred = (id: string): Error => notFound('application credential', id);

/** Keystone's view: the secret only ever appears in the create response. */
async function view(svc: IdentityService, request: FastifyRequest, row: AppCredRow, secret?: string): Promise<Record<string, unknown>> {
  const roles = await rolesByIds(svc.db, await appCredRoleIds(svc.db, row.id));
  const rules = await appCredAccessRules(svc.db, row.id);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    expires_at: row.expires_at ? naiveTime(row.expires_at) : null,
    project_id: row.project_id,
    roles: roles.sort((a, b) => a.name.localeCompare(b.name)).map((r) => roleView(svc, request, r)),
    unrestricted: toBool(row.unrestricted),
    ...(rules.length > 0 ? { access_rules: rules.map((r) => ({ id: r.id, service: r.service, path: r.path, method: r.method })) } : {}),
    ...(secret !== undefined ? { secret } : {}),
    links: selfLink(svc, request, `users/${row.user_id}/application_credentials/${row.id}`),
  };
}

/** Role ids the new credential delegates: requested (by id or name) or the token's, plus what they imply. */
async function requestedRoleIds(svc: IdentityService, requested: AppCredCreateBody['application_credential']['roles'], tokenRoleIds: readonly string[]): Promise<string[]> {
  if (!requested || requested.length === 0) return [...tokenRoleIds];
  const ids: string[] = [];
  for (const ref of requested) {
    if (ref.id) {
      ids.push(ref.id);
      continue;
    }
    if (!ref.name) throw new BadRequestError("Invalid input for field 'roles': each role needs an id or a name.");
    const role = await svc.db.selectFrom('role').select('id').where('name', '=', ref.name).where('domain_id', '=', NULL_DOMAIN).executeTakeFirst();
    if (!role) throw notFound('role', ref.name);
    ids.push(role.id);
  }
  const all = await expandImplied(svc.db, ids);
  if (!all.every((id) => tokenRoleIds.includes(id))) {
    throw new BadRequestError('Invalid application credential: Cannot create an application credential with unassigned role');
  }
  return all;
}

/** /v3/users/{user_id}/application_credentials. */
export function registerApplicationCredentialRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  const base = '/v3/users/:user_id/application_credentials';

  app.post<{ Params: Params }>(base, { ...authed, schema: { body: AppCredCreate } }, async (request, reply) => {
    const { user_id: userId } = request.params;
    const ctx = authorize(svc, request, 'identity:create_application_credential', { user_id: userId, 'target.user.id': userId });
    const token = await callerToken(svc, request);
    refuseTrustToken(token);
    refuseRestrictedAppCred(token, 'additional application credentials');
    if (ctx.userId !== userId) throw new ForbiddenError('You are not authorized to perform the requested action: Cannot create an application credential for another user.');
    if (!ctx.projectId) throw new BadRequestError('Invalid application credential: a project-scoped token is required to create an application credential.');
    const body = (request.body as AppCredCreateBody).application_credential;
    const roleIds = await requestedRoleIds(svc, body.roles, ctx.roleIds);
    // Every delegated role must really be held on the project (not only via the token).
    const held = new Set((await effectiveRoles(svc.db, userId, { type: 'project', projectId: ctx.projectId })).map((r) => r.id));
    const missing = roleIds.find((id) => !held.has(id));
    if (missing) {
      throw new BadRequestError(`Invalid application credential: Could not find role assignment with role: ${missing}, user or group: ${userId}, project, domain, or system: ${ctx.projectId}.`);
    }
    const now = svc.clock.now();
    const secret = body.secret || svc.ids.secret(64);
    const row: AppCredRow = {
      id: svc.ids.hex(), name: body.name, user_id: userId, project_id: ctx.projectId, system: null,
      secret_hash: await svc.hasher.hash(secret), description: body.description ?? null,
      expires_at: body.expires_at ? parseExpiration(body.expires_at, now) : null,
      unrestricted: body.unrestricted ? 1 : 0, created_at: now.toISOString(),
    };
    const rules: AccessRuleRequest[] = (body.access_rules ?? []).map((r) => ({ ...r, id: r.id ?? svc.ids.hex() }));
    try {
      await insertAppCred(svc.db, row, roleIds, rules);
    } catch (e) {
      if (e instanceof AppCredConflict) throw duplicate('application_credential', 'name', body.name);
      if (e instanceof AccessRuleMissing) throw notFound('access rule', e.ruleId);
      throw e;
    }
    return created(reply, { application_credential: await view(svc, request, row, secret) });
  });

  app.get<{ Params: Params }>(base, authed, async (request) => {
    const { user_id: userId } = request.params;
    authorize(svc, request, 'identity:list_application_credentials', { user_id: userId, 'target.user.id': userId });
    refuseTrustToken(await callerToken(svc, request));
    const rows = await listAppCredRows(svc.db, userId, queryParam(request, 'name'));
    const items = await Promise.all(rows.map((r) => view(svc, request, r)));
    return listBody(svc, request, 'application_credentials', items);
  });

  /** Loads the credential under this user or 404s, then checks `action` against its owner. */
  const load = async (request: FastifyRequest<{ Params: Params }>, action: string): Promise<AppCredRow> => {
    const { user_id: userId, id } = request.params;
    const row = await getAppCredRow(svc.db, id);
    if (!row || row.user_id !== userId) throw notFoundCred(id);
    authorize(svc, request, action, { user_id: row.user_id, 'target.user.id': row.user_id });
    refuseTrustToken(await callerToken(svc, request));
    return row;
  };

  app.get<{ Params: Params }>(`${base}/:id`, authed, async (request) => {
    const row = await load(request, 'identity:get_application_credential');
    return { application_credential: await view(svc, request, row) };
  });

  app.delete<{ Params: Params }>(`${base}/:id`, authed, async (request, reply) => {
    const row = await load(request, 'identity:delete_application_credential');
    refuseRestrictedAppCred(await callerToken(svc, request), 'additional application credentials');
    // Tokens made from it stop validating: they are checked against the stored credential.
    if (!(await deleteAppCred(svc.db, row.id))) throw notFoundCred(row.id);
    return reply.status(204).send();
  });
}
