import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { IdentityService } from '../service.js';
import { extraAttributes, mergeOptions } from '../attributes.js';
import { duplicate, forbidden, notFound, validation } from '../errors.js';
import { isUniqueViolation, parseJson } from '../store/db.js';
import { getDomainRow } from '../store/projects.js';
import { deleteRoleCascade, findRoleByName, getRoleRow, insertRole, listRoleRows, updateRole, type RoleRow } from '../store/roles.js';
import { NULL_DOMAIN } from '../store/schema.js';
import { authorize, created, listBody, queryParam, selfLink, type Guard } from './kit.js';

/** Keystone's role resource options: only `immutable` exists; null removes an option. */
const RoleOptions = Type.Object({
  immutable: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
}, { additionalProperties: false });

const roleProperties = {
  name: Type.String({ minLength: 1, maxLength: 255, pattern: '[\\S]+' }),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
  domain_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  options: Type.Optional(RoleOptions),
};
const RoleCreate = Type.Object({
  role: Type.Object(roleProperties, { additionalProperties: true }),
});
const RoleUpdate = Type.Object({
  role: Type.Object({ ...roleProperties, name: Type.Optional(roleProperties.name) }, { additionalProperties: true }),
});
type RoleCreateBody = Static<typeof RoleCreate>['role'];
type RoleUpdateBody = Static<typeof RoleUpdate>['role'];

const KNOWN = ['id', 'name', 'description', 'domain_id', 'options', 'links'];
export const roleDomainId = (row: RoleRow): string | null => (row.domain_id === NULL_DOMAIN ? null : row.domain_id);

/** Keystone's role view: extra attributes beside the known ones, domain_id null for global roles. */
export function roleView(svc: IdentityService, request: FastifyRequest, row: RoleRow): Record<string, unknown> {
  return {
    ...parseJson(row.extra),
    id: row.id,
    name: row.name,
    domain_id: roleDomainId(row),
    description: row.description,
    options: parseJson(row.options),
    links: selfLink(svc, request, `roles/${row.id}`),
  };
}

const isImmutable = (row: RoleRow): boolean => parseJson(row.options)['immutable'] === true;

/** The rule name for a role action: domain-specific roles have their own rules. */
const ruleFor = (action: 'get' | 'update' | 'delete', row: RoleRow | undefined): string =>
  row && row.domain_id !== NULL_DOMAIN ? `identity:${action}_domain_role` : `identity:${action}_role`;

export function registerRoleRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/roles', authed, async (request) => {
    const domainId = queryParam(request, 'domain_id') || undefined;
    authorize(svc, request, domainId ? 'identity:list_domain_roles' : 'identity:list_roles', domainId ? { domain_id: domainId } : {});
    const name = queryParam(request, 'name');
    const rows = await listRoleRows(svc.db, { ...(name !== undefined ? { name } : {}), ...(domainId ? { domainId } : {}) });
    return listBody(svc, request, 'roles', rows.map((r) => roleView(svc, request, r)));
  });

  app.post('/v3/roles', { ...authed, schema: { body: RoleCreate } }, async (request, reply) => {
    const body = (request.body as { role: RoleCreateBody }).role;
    const domainId = body.domain_id ?? null;
    if (domainId) authorize(svc, request, 'identity:create_domain_role', { 'target.role.domain_id': domainId });
    else authorize(svc, request, 'identity:create_role');
    if (domainId && !(await getDomainRow(svc.db, domainId))) throw notFound('domain', domainId);
    const row: RoleRow = {
      id: svc.ids.hex(),
      name: body.name,
      domain_id: domainId ?? NULL_DOMAIN,
      description: body.description ?? null,
      options: JSON.stringify(mergeOptions({}, body.options)),
      extra: JSON.stringify(extraAttributes(body, KNOWN)),
    };
    if (await findRoleByName(svc.db, row.name, row.domain_id)) throw duplicate('role', 'name', row.name);
    try {
      await insertRole(svc.db, row);
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicate('role', 'name', row.name);
      throw e;
    }
    return created(reply, { role: roleView(svc, request, row) });
  });

  app.get<{ Params: { role_id: string } }>('/v3/roles/:role_id', authed, async (request) => {
    const row = await getRoleRow(svc.db, request.params.role_id);
    authorize(svc, request, ruleFor('get', row), row ? { 'target.role.domain_id': roleDomainId(row) } : {});
    if (!row) throw notFound('role', request.params.role_id);
    return { role: roleView(svc, request, row) };
  });

  app.patch<{ Params: { role_id: string } }>('/v3/roles/:role_id', { ...authed, schema: { body: RoleUpdate } }, async (request) => {
    const { role_id: id } = request.params;
    const row = await getRoleRow(svc.db, id);
    authorize(svc, request, ruleFor('update', row), row ? { 'target.role.domain_id': roleDomainId(row) } : {});
    if (!row) throw notFound('role', id);
    const body = (request.body as { role: RoleUpdateBody }).role;
    if ('id' in body && body['id'] !== id) throw validation('Cannot change ID');
    if (isImmutable(row)) {
      const keys = Object.keys(body);
      const onlyClearing = keys.length === 1 && body.options !== undefined && 'immutable' in body.options && !body.options.immutable;
      if (!onlyClearing) {
        throw forbidden(`Unable to update immutable role resource: \`${id}. Immutable flag must be set to False before update.`);
      }
    }
    if (body.domain_id !== undefined && (body.domain_id ?? NULL_DOMAIN) !== row.domain_id) {
      throw validation('Update of `domain_id` is not allowed.');
    }
    const next: RoleRow = {
      ...row,
      name: body.name ?? row.name,
      description: body.description !== undefined ? body.description : row.description,
      options: JSON.stringify(mergeOptions(parseJson(row.options), body.options)),
      extra: JSON.stringify({ ...parseJson(row.extra), ...extraAttributes(body, KNOWN) }),
    };
    if (next.name !== row.name) {
      const clash = await findRoleByName(svc.db, next.name, row.domain_id);
      if (clash && clash.id !== id) throw duplicate('role', 'name', next.name);
    }
    try {
      await updateRole(svc.db, next);
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicate('role', 'name', next.name);
      throw e;
    }
    return { role: roleView(svc, request, next) };
  });

  app.delete<{ Params: { role_id: string } }>('/v3/roles/:role_id', authed, async (request, reply) => {
    const { role_id: id } = request.params;
    const row = await getRoleRow(svc.db, id);
    authorize(svc, request, ruleFor('delete', row), row ? { 'target.role.domain_id': roleDomainId(row) } : {});
    if (!row) throw notFound('role', id);
    if (isImmutable(row)) {
      throw forbidden(`Unable to delete immutable role resource: \`${id}. Set resource option "immutable" to false first.`);
    }
    await svc.db.transaction().execute(async (tx) => deleteRoleCascade(tx, id));
    // Tokens carry role ids: anything issued before now that holds this role is void.
    await svc.revocations.revoke({ role_id: id });
    return reply.status(204).send();
  });
}
