import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { BadRequestError, ForbiddenError } from '../../core/http/index.js';
import { effectiveRoles } from '../auth/effective-roles.js';
import type { TokenData } from '../auth/token-data.js';
import { activeTrust, originalTrustor } from '../auth/trust-roles.js';
import { notFound } from '../errors.js';
import type { IdentityService } from '../service.js';
import { toBool } from '../store/db.js';
import { getProjectRow } from '../store/projects.js';
import { rolesByIds } from '../store/roles.js';
import { NULL_DOMAIN } from '../store/schema.js';
import { insertTrust, listTrustRows, softDeleteTrust, trustRoleIds, type TrustRow } from '../store/trusts.js';
import { getUserRow } from '../store/users.js';
import { parseExpiration, storedTimeToDate } from '../timestamps.js';
import { callerToken } from './delegation.js';
import { roleView } from './roles.js';
import { authorize, baseUrl, created, listBody, queryParam, selfLink, type Guard } from './kit.js';

/** Keystone's [trust] max_redelegation_count default. */
const MAX_REDELEGATION_COUNT = 3;

const TrustCreate = Type.Object({
  trust: Type.Object({
    trustor_user_id: Type.String({ minLength: 1, maxLength: 64 }),
    trustee_user_id: Type.String({ minLength: 1, maxLength: 64 }),
    impersonation: Type.Boolean(),
    project_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    roles: Type.Optional(Type.Array(Type.Object({
      id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    }, { minProperties: 1, maxProperties: 1, additionalProperties: false }))),
    remaining_uses: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    expires_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    allow_redelegation: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    redelegation_count: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  }, { additionalProperties: true }),
});
type TrustCreateBody = Static<typeof TrustCreate>['trust'];
type Params = { id: string; role_id: string };

function summary(svc: IdentityService, request: FastifyRequest, row: TrustRow): Record<string, unknown> {
  return {
    id: row.id,
    trustor_user_id: row.trustor_user_id,
    trustee_user_id: row.trustee_user_id,
    project_id: row.project_id,
    impersonation: toBool(row.impersonation),
    // Stored as Keystone prints it: utils.isotime(subsecond=True).
    expires_at: row.expires_at,
    remaining_uses: row.remaining_uses,
    redelegated_trust_id: row.redelegated_trust_id,
    redelegation_count: row.redelegation_count,
    deleted_at: row.deleted_at,
    links: selfLink(svc, request, `OS-TRUST/trusts/${row.id}`),
  };
}

async function fullView(svc: IdentityService, request: FastifyRequest, row: TrustRow): Promise<Record<string, unknown>> {
  const roles = await rolesByIds(svc.db, await trustRoleIds(svc.db, row.id));
  return {
    ...summary(svc, request, row),
    roles: roles.map((r) => roleView(svc, request, r)),
    roles_links: { self: `${baseUrl(svc, request)}/v3/OS-TRUST/trusts/${row.id}/roles`, previous: null, next: null },
  };
}

/** Trust APIs are closed to application credential tokens, restricted or not. */
function refuseAppCredToken(token: TokenData): void {
  if (token.applicationCredential) throw new ForbiddenError("Using method 'application_credential' is not allowed for managing trusts.");
}

/** Keystone's create-time checks for a trust made from a trust-scoped token (redelegation). */
function checkRedelegation(parent: TrustRow, parentRoles: readonly string[], child: TrustRow, childRoles: readonly string[]): void {
  const depth = parent.redelegation_count ?? 0;
  if (!(depth > 0 && depth <= MAX_REDELEGATION_COUNT)) {
    throw new ForbiddenError(`Remaining redelegation depth of ${depth} out of allowed range of [0..${MAX_REDELEGATION_COUNT}]`);
  }
  if (child.remaining_uses !== null) {
    throw new ForbiddenError(`Field "remaining_uses" is set to ${child.remaining_uses} while it must not be set in order to redelegate a trust`);
  }
  if (child.expires_at && parent.expires_at && storedTimeToDate(parent.expires_at) < storedTimeToDate(child.expires_at)) {
    throw new ForbiddenError('Requested expiration time is more than redelegated trust can provide');
  }
  if (!childRoles.every((id) => parentRoles.includes(id))) throw new ForbiddenError('Some of requested roles are not in redelegated trust');
  if (!toBool(parent.impersonation) && toBool(child.impersonation)) {
    throw new ForbiddenError(`Impersonation is not allowed because redelegated trust does not specify impersonation. Redelegated trust id: ${parent.id}`);
  }
}

/** /v3/OS-TRUST/trusts: delegation of a trustor's roles on a project to a trustee. */
export function registerTrustRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  const base = '/v3/OS-TRUST/trusts';

  /** The trust (404 when missing, deleted or expired) after checking `action` against it. */
  const load = async (request: FastifyRequest<{ Params: Params }>, action: string): Promise<TrustRow> => {
    const trust = await activeTrust(svc.db, request.params.id, svc.clock.now());
    if (!trust) throw notFound('trust', request.params.id);
    authorize(svc, request, action, { 'target.trust.trustor_user_id': trust.trustor_user_id, 'target.trust.trustee_user_id': trust.trustee_user_id });
    refuseAppCredToken(await callerToken(svc, request));
    return trust;
  };

  app.post(base, { ...authed, schema: { body: TrustCreate } }, async (request, reply) => {
    const body = (request.body as { trust: TrustCreateBody }).trust;
    const ctx = authorize(svc, request, 'identity:create_trust', { 'target.trust.trustor_user_id': body.trustor_user_id });
    const token = await callerToken(svc, request);
    refuseAppCredToken(token);
    if (body.project_id && !(body.roles && body.roles.length > 0)) throw new ForbiddenError('At least one role should be specified');
    if (ctx.userId !== body.trustor_user_id) throw new ForbiddenError('The authenticated user should match the trustor');
    if (!(await getUserRow(svc.db, body.trustee_user_id))) throw notFound('user', body.trustee_user_id);

    const roleIds: string[] = [];
    for (const ref of body.roles ?? []) {
      if (ref.id) {
        roleIds.push(ref.id);
        continue;
      }
      const role = await svc.db.selectFrom('role').select('id').where('name', '=', ref.name ?? '').where('domain_id', '=', NULL_DOMAIN).executeTakeFirst();
      if (!role) throw notFound('role', ref.name ?? '');
      roleIds.push(role.id);
    }
    const parent = token.trust ? await activeTrust(svc.db, token.trust.id, svc.clock.now()) : undefined;
    if (token.trust && !parent) throw notFound('trust', token.trust.id);
    if (body.project_id) {
      if (!(await getProjectRow(svc.db, body.project_id))) throw notFound('project', body.project_id);
      const trustor = parent ? await originalTrustor(svc.db, parent) : body.trustor_user_id;
      const held = new Set((await effectiveRoles(svc.db, trustor, { type: 'project', projectId: body.project_id })).map((r) => r.id));
      const missing = roleIds.find((id) => !held.has(id));
      if (missing) throw notFound('role', missing);
    }

    const requestedCount = body.redelegation_count ?? null;
    const redelegatable = Boolean(body.allow_redelegation) && requestedCount !== 0;
    let redelegationCount: number;
    if (!redelegatable) {
      redelegationCount = 0;
    } else {
      if (requestedCount !== null && requestedCount > MAX_REDELEGATION_COUNT) {
        throw new ForbiddenError(`Requested redelegation depth of ${requestedCount} is greater than allowed ${MAX_REDELEGATION_COUNT}`);
      }
      if (body.remaining_uses !== undefined && body.remaining_uses !== null) throw new BadRequestError('remaining_uses must not be set if redelegation is allowed');
      redelegationCount = requestedCount ?? MAX_REDELEGATION_COUNT;
    }
    const row: TrustRow = {
      id: svc.ids.hex(), trustor_user_id: body.trustor_user_id, trustee_user_id: body.trustee_user_id,
      project_id: body.project_id ?? null, impersonation: body.impersonation ? 1 : 0,
      expires_at: body.expires_at ? parseExpiration(body.expires_at, svc.clock.now()) : null,
      remaining_uses: body.remaining_uses ?? null, redelegated_trust_id: null, redelegation_count: redelegationCount,
      deleted_at: null, extra: '{}',
    };
    if (parent) {
      const remaining = (parent.redelegation_count ?? 0) - 1;
      if (redelegatable && requestedCount && requestedCount !== remaining) {
        throw new ForbiddenError('Modifying "redelegation_count" upon redelegation is forbidden. Omitting this parameter is advised.');
      }
      row.redelegated_trust_id = parent.id;
      row.redelegation_count = redelegatable ? remaining : 0;
      if (!row.expires_at) row.expires_at = parent.expires_at;
      checkRedelegation(parent, await trustRoleIds(svc.db, parent.id), row, roleIds);
    }
    await insertTrust(svc.db, row, roleIds);
    return created(reply, { trust: await fullView(svc, request, row) });
  });

  app.get(base, authed, async (request) => {
    const trustor = queryParam(request, 'trustor_user_id');
    const trustee = queryParam(request, 'trustee_user_id');
    if (trustor) authorize(svc, request, 'identity:list_trusts_for_trustor', { 'target.trust.trustor_user_id': trustor });
    else if (trustee) authorize(svc, request, 'identity:list_trusts_for_trustee', { 'target.trust.trustee_user_id': trustee });
    else authorize(svc, request, 'identity:list_trusts');
    refuseAppCredToken(await callerToken(svc, request));
    // As in Keystone, listings show expired trusts until they are deleted or flushed.
    const rows = await listTrustRows(svc.db, trustor ? { trustorUserId: trustor } : trustee ? { trusteeUserId: trustee } : {});
    return listBody(svc, request, 'trusts', rows.map((t) => summary(svc, request, t)));
  });

  app.get<{ Params: Params }>(`${base}/:id`, authed, async (request) => {
    const trust = await load(request, 'identity:get_trust');
    return { trust: await fullView(svc, request, trust) };
  });

  app.delete<{ Params: Params }>(`${base}/:id`, authed, async (request, reply) => {
    const trust = await load(request, 'identity:delete_trust');
    // Tokens made from it (and from trusts redelegated from it) stop validating at once.
    await softDeleteTrust(svc.db, trust.id, svc.clock.now().toISOString());
    return reply.status(204).send();
  });

  app.get<{ Params: Params }>(`${base}/:id/roles`, authed, async (request) => {
    const trust = await load(request, 'identity:list_roles_for_trust');
    const roles = await rolesByIds(svc.db, await trustRoleIds(svc.db, trust.id));
    return listBody(svc, request, 'roles', roles.map((r) => roleView(svc, request, r)));
  });

  const oneRole = async (request: FastifyRequest<{ Params: Params }>): Promise<Record<string, unknown>> => {
    const trust = await load(request, 'identity:get_role_for_trust');
    const { role_id: roleId } = request.params;
    if (!(await trustRoleIds(svc.db, trust.id)).includes(roleId)) throw notFound('role', roleId);
    const [role] = await rolesByIds(svc.db, [roleId]);
    if (!role) throw notFound('role', roleId);
    return roleView(svc, request, role);
  };

  app.get<{ Params: Params }>(`${base}/:id/roles/:role_id`, { ...authed, exposeHeadRoute: false }, async (request) => ({ role: await oneRole(request) }));
  app.head<{ Params: Params }>(`${base}/:id/roles/:role_id`, authed, async (request, reply: FastifyReply) => {
    await oneRole(request);
    return reply.status(200).send();
  });
}
