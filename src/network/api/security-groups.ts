import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import {
  createGroup, createRule, deleteGroup, deleteRule, updateGroup, visibleGroup, visibleGroups, visibleRule, visibleRules,
} from '../domain/security-groups.js';
import type { NetworkService } from '../service.js';
import { listBody, showBody } from './collection.js';
import { requestBase, resourceBody, type Guard } from './kit.js';
import { registerTagRoutes } from './tags.js';
import { GROUP_ATTRIBUTES, groupView, RULE_ATTRIBUTES, ruleView } from './views.js';

type IdParams = { id: string };

export function registerSecurityGroupRoutes(app: FastifyInstance, svc: NetworkService, authed: Guard): void {
  const page = { maxLimit: svc.settings.paginationMaxLimit };

  app.post('/v2.0/security-groups', authed, async (request, reply) => {
    const g = await createGroup(svc, callerOf(request), resourceBody(request, 'security_group'));
    return reply.status(201).send({ security_group: groupView(g) });
  });
  app.get('/v2.0/security-groups', authed, async (request) => {
    const shown = (await visibleGroups(svc, callerOf(request))).map(groupView);
    return listBody(request, shown, { collection: 'security_groups', attributes: GROUP_ATTRIBUTES, ...page, baseUrl: requestBase(request), path: 'security-groups' });
  });
  app.get<{ Params: IdParams }>('/v2.0/security-groups/:id', authed, async (request) =>
    showBody(request, 'security_group', groupView(await visibleGroup(svc, callerOf(request), request.params.id))));
  app.put<{ Params: IdParams }>('/v2.0/security-groups/:id', authed, async (request) =>
    ({ security_group: groupView(await updateGroup(svc, callerOf(request), request.params.id, resourceBody(request, 'security_group'))) }));
  app.delete<{ Params: IdParams }>('/v2.0/security-groups/:id', authed, async (request, reply) => {
    await deleteGroup(svc, callerOf(request), request.params.id);
    return reply.status(204).send();
  });
  registerTagRoutes(app, svc, authed, 'security-groups', async (ctx, id, forUpdate) => {
    const g = await visibleGroup(svc, ctx, id);
    if (forUpdate) svc.authorize(ctx, 'update_security_group', { id: g.id, tenant_id: g.projectId, project_id: g.projectId });
  });

  app.post('/v2.0/security-group-rules', authed, async (request, reply) => {
    const r = await createRule(svc, callerOf(request), resourceBody(request, 'security_group_rule'));
    return reply.status(201).send({ security_group_rule: ruleView(r) });
  });
  app.get('/v2.0/security-group-rules', authed, async (request) => {
    const shown = (await visibleRules(svc, callerOf(request))).map(ruleView);
    return listBody(request, shown, { collection: 'security_group_rules', attributes: RULE_ATTRIBUTES, ...page, baseUrl: requestBase(request), path: 'security-group-rules' });
  });
  app.get<{ Params: IdParams }>('/v2.0/security-group-rules/:id', authed, async (request) =>
    showBody(request, 'security_group_rule', ruleView(await visibleRule(svc, callerOf(request), request.params.id))));
  app.delete<{ Params: IdParams }>('/v2.0/security-group-rules/:id', authed, async (request, reply) => {
    await deleteRule(svc, callerOf(request), request.params.id);
    return reply.status(204).send();
  });
}
