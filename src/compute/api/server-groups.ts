import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { parseBoolean } from './validate.js';
import { createServerGroup, deleteServerGroup, getServerGroup, GROUP_POLICIES, listServerGroups, type GroupPolicy, type ServerGroup } from '../domain/server-groups.js';
import { badRequest } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { checkBody } from './validate.js';

const Name = Type.String({ minLength: 1, maxLength: 255 });
const Old = Type.Object({ server_group: Type.Object({ name: Name, policies: Type.Array(Type.String(), { minItems: 1, maxItems: 1 }) }, { additionalProperties: false }) }, { additionalProperties: false });
const V264 = Type.Object({
  server_group: Type.Object({ name: Name, policy: Type.String(), rules: Type.Optional(Type.Object({ max_server_per_host: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[1-9][0-9]*$' })])) }, { additionalProperties: false })) }, { additionalProperties: false }),
}, { additionalProperties: false });

function view(request: FastifyRequest, g: ServerGroup): Record<string, unknown> {
  const v = request.apiVersion;
  const out: Record<string, unknown> = { id: g.uuid, name: g.name, members: g.members };
  if (v.atLeast('2.64')) Object.assign(out, { policy: g.policy, rules: g.rules });
  else Object.assign(out, { policies: [g.policy], metadata: {} });
  if (v.atLeast('2.13')) Object.assign(out, { project_id: g.project_id, user_id: g.user_id });
  return out;
}

export function registerServerGroupRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.post('/v2.1/os-server-groups', authed, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-server-groups:create');
    const v = request.apiVersion;
    let name: string;
    let policy: string;
    let rules: ServerGroup['rules'] = {};
    if (v.atLeast('2.64')) {
      const g = checkBody(V264, request.body).server_group;
      ({ name, policy } = g);
      if (g.rules?.max_server_per_host !== undefined) {
        if (policy !== 'anti-affinity') throw badRequest("Only anti-affinity policy supports the 'max_server_per_host' rule.");
        rules = { max_server_per_host: Number(g.rules.max_server_per_host) };
      }
    } else {
      const g = checkBody(Old, request.body).server_group;
      name = g.name;
      policy = g.policies[0]!;
    }
    const allowed = v.atLeast('2.15') ? GROUP_POLICIES : ['affinity', 'anti-affinity'];
    if (!allowed.includes(policy as GroupPolicy)) throw badRequest(`Invalid input for field/attribute policies. Value: ${policy}. '${policy}' is not one of ${JSON.stringify(allowed)}`);
    return { server_group: view(request, await createServerGroup(svc, ctx, name, policy as GroupPolicy, rules)) };
  });

  app.get('/v2.1/os-server-groups', authed, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-server-groups:index');
    const q = request.query as { all_projects?: string; limit?: string; offset?: string };
    const all = q.all_projects !== undefined && parseBoolean(q.all_projects) !== false && svc.allowed(ctx, 'os_compute_api:os-server-groups:index:all_projects');
    let groups = await listServerGroups(svc, all ? null : ctx.projectId ?? '');
    const offset = Number(q.offset ?? 0);
    if (offset > 0) groups = groups.slice(offset);
    if (q.limit !== undefined) groups = groups.slice(0, Number(q.limit));
    return { server_groups: groups.map((g) => view(request, g)) };
  });

  app.get<{ Params: { id: string } }>('/v2.1/os-server-groups/:id', authed, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-server-groups:show');
    return { server_group: view(request, await getServerGroup(svc, ctx, request.params.id)) };
  });

  app.delete<{ Params: { id: string } }>('/v2.1/os-server-groups/:id', authed, async (request, reply) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-server-groups:delete');
    await deleteServerGroup(svc, ctx, request.params.id);
    return reply.status(204).send();
  });
}
