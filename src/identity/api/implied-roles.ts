import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../core/http/index.js';
import type { IdentityService } from '../service.js';
import { forbidden, notFound } from '../errors.js';
import {
  allImpliedRoles, allRoleRows, deleteImpliedRule, getRoleRow, hasImpliedRule, impliedRoleIds, insertImpliedRule, rolesByIds, type RoleRow,
} from '../store/roles.js';
import { NULL_DOMAIN } from '../store/schema.js';
import { authorize, baseUrl, type Guard } from './kit.js';

/** Roles no rule may imply ([assignment] prohibited_implied_role in Keystone). */
const PROHIBITED_IMPLIED = ['admin'];

const ruleNotFound = (priorId: string, impliedId: string): NotFoundError => new NotFoundError(`${priorId} does not imply ${impliedId}`);

type RoleRef = { id: string; links: { self: string }; name: string };

function roleRef(svc: IdentityService, request: FastifyRequest, row: RoleRow): RoleRef {
  return { id: row.id, links: { self: `${baseUrl(svc, request)}/v3/roles/${row.id}` }, name: row.name };
}

async function requireRole(svc: IdentityService, id: string): Promise<RoleRow> {
  const row = await getRoleRow(svc.db, id);
  if (!row) throw notFound('role', id);
  return row;
}

/** Loads both roles (404 for either) before the policy check, as Keystone's target builder does. */
async function rulePair(svc: IdentityService, request: FastifyRequest, action: string, priorId: string, impliedId: string): Promise<{ prior: RoleRow; implied: RoleRow }> {
  const prior = await requireRole(svc, priorId);
  const implied = await requireRole(svc, impliedId);
  authorize(svc, request, action, { 'target.prior_role.id': prior.id, 'target.implied_role.id': implied.id });
  return { prior, implied };
}

function inferenceBody(svc: IdentityService, request: FastifyRequest, prior: RoleRow, implied: RoleRow): Record<string, unknown> {
  return {
    role_inference: { prior_role: roleRef(svc, request, prior), implies: roleRef(svc, request, implied) },
    links: { self: `${baseUrl(svc, request)}/v3/roles/${prior.id}/implies/${implied.id}` },
  };
}

/** /v3/roles/{prior}/implies[/{implied}] and /v3/role_inferences. */
export function registerImpliedRoleRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get<{ Params: { prior_role_id: string } }>('/v3/roles/:prior_role_id/implies', authed, async (request) => {
    const prior = await requireRole(svc, request.params.prior_role_id);
    authorize(svc, request, 'identity:list_implied_roles', { 'target.prior_role.id': prior.id });
    const implied = await rolesByIds(svc.db, await impliedRoleIds(svc.db, prior.id));
    return {
      role_inference: { prior_role: roleRef(svc, request, prior), implies: implied.map((r) => roleRef(svc, request, r)) },
      links: { self: `${baseUrl(svc, request)}/v3/roles/${prior.id}/implies` },
    };
  });

  type Pair = { Params: { prior_role_id: string; implied_role_id: string } };

  // Keystone answers HEAD with 204 although GET answers 200; declared before GET so
  // Fastify does not derive HEAD from GET.
  app.head<Pair>('/v3/roles/:prior_role_id/implies/:implied_role_id', authed, async (request, reply) => {
    const { prior, implied } = await rulePair(svc, request, 'identity:check_implied_role', request.params.prior_role_id, request.params.implied_role_id);
    authorize(svc, request, 'identity:get_implied_role', { 'target.prior_role.id': prior.id, 'target.implied_role.id': implied.id });
    if (!(await hasImpliedRule(svc.db, prior.id, implied.id))) throw ruleNotFound(prior.id, implied.id);
    return reply.status(204).send();
  });

  app.get<Pair>('/v3/roles/:prior_role_id/implies/:implied_role_id', authed, async (request) => {
    const { prior, implied } = await rulePair(svc, request, 'identity:get_implied_role', request.params.prior_role_id, request.params.implied_role_id);
    if (!(await hasImpliedRule(svc.db, prior.id, implied.id))) throw ruleNotFound(prior.id, implied.id);
    return inferenceBody(svc, request, prior, implied);
  });

  app.put<Pair>('/v3/roles/:prior_role_id/implies/:implied_role_id', authed, async (request, reply) => {
    const { prior, implied } = await rulePair(svc, request, 'identity:create_implied_role', request.params.prior_role_id, request.params.implied_role_id);
    if (PROHIBITED_IMPLIED.includes(implied.name)) throw forbidden(`${implied.id} cannot be an implied roles.`);
    if (prior.domain_id === NULL_DOMAIN && implied.domain_id !== NULL_DOMAIN) {
      throw forbidden('Global role cannot imply a domain-specific role');
    }
    await insertImpliedRule(svc.db, prior.id, implied.id);
    return reply.status(201).send(inferenceBody(svc, request, prior, implied));
  });

  app.delete<Pair>('/v3/roles/:prior_role_id/implies/:implied_role_id', authed, async (request, reply) => {
    const { prior, implied } = await rulePair(svc, request, 'identity:delete_implied_role', request.params.prior_role_id, request.params.implied_role_id);
    if (!(await hasImpliedRule(svc.db, prior.id, implied.id))) throw ruleNotFound(prior.id, implied.id);
    await deleteImpliedRule(svc.db, prior.id, implied.id);
    return reply.status(204).send();
  });

  app.get('/v3/role_inferences', authed, async (request) => {
    authorize(svc, request, 'identity:list_role_inference_rules');
    const roles = new Map((await allRoleRows(svc.db)).map((r) => [r.id, r]));
    const byPrior = new Map<string, RoleRef[]>();
    for (const rule of await allImpliedRoles(svc.db)) {
      const implied = roles.get(rule.implied_role_id);
      if (!implied || !roles.has(rule.prior_role_id)) continue;
      byPrior.set(rule.prior_role_id, [...(byPrior.get(rule.prior_role_id) ?? []), roleRef(svc, request, implied)]);
    }
    const inferences = [...byPrior.entries()].map(([priorId, implies]) => ({
      prior_role: roleRef(svc, request, roles.get(priorId) as RoleRow),
      implies,
    }));
    return { role_inferences: inferences };
  });
}
