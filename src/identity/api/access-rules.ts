import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../../core/http/index.js';
import { notFound } from '../errors.js';
import type { IdentityService } from '../service.js';
import { deleteAccessRule, getAccessRuleRow, listAccessRuleRows, type AccessRuleRow } from '../store/app-creds.js';
import { getUserRow } from '../store/users.js';
import { callerToken, refuseTrustToken } from './delegation.js';
import { authorize, listBody, queryParam, selfLink, type Guard } from './kit.js';

type Params = { user_id: string; id: string };

function view(svc: IdentityService, request: FastifyRequest, row: AccessRuleRow): Record<string, unknown> {
  return {
    id: row.id, service: row.service, path: row.path, method: row.method,
    links: selfLink(svc, request, `users/${row.user_id}/access_rules/${row.id}`),
  };
}

/**
 * /v3/users/{user_id}/access_rules: the rules a user's application credentials use.
 * They are created with a credential and outlive it until deleted here.
 */
export function registerAccessRuleRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  const base = '/v3/users/:user_id/access_rules';

  /** Keystone builds the policy target from the user (404 when it does not exist). */
  const guard = async (request: FastifyRequest<{ Params: Params }>, action: string): Promise<void> => {
    const user = await getUserRow(svc.db, request.params.user_id);
    if (!user) throw notFound('user', request.params.user_id);
    authorize(svc, request, action, { 'target.user.id': user.id, 'target.user.domain_id': user.domain_id, user_id: user.id });
    refuseTrustToken(await callerToken(svc, request));
  };

  const load = async (request: FastifyRequest<{ Params: Params }>): Promise<AccessRuleRow> => {
    const row = await getAccessRuleRow(svc.db, request.params.id);
    if (!row || row.user_id !== request.params.user_id) throw notFound('access rule', request.params.id);
    return row;
  };

  app.get<{ Params: Params }>(base, authed, async (request) => {
    await guard(request, 'identity:list_access_rules');
    const filters: { service?: string; path?: string; method?: string } = {};
    for (const key of ['service', 'path', 'method'] as const) {
      const value = queryParam(request, key);
      if (value !== undefined) filters[key] = value;
    }
    const rows = await listAccessRuleRows(svc.db, request.params.user_id, filters);
    return listBody(svc, request, 'access_rules', rows.map((r) => view(svc, request, r)));
  });

  app.get<{ Params: Params }>(`${base}/:id`, authed, async (request) => {
    await guard(request, 'identity:get_access_rule');
    return { access_rule: view(svc, request, await load(request)) };
  });

  app.delete<{ Params: Params }>(`${base}/:id`, authed, async (request, reply) => {
    await guard(request, 'identity:delete_access_rule');
    const row = await load(request);
    const outcome = await deleteAccessRule(svc.db, row.id);
    if (outcome === 'in-use') throw new ForbiddenError('May not delete access rule in use');
    if (outcome === 'missing') throw notFound('access rule', row.id);
    return reply.status(204).send();
  });
}
