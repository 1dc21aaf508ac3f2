import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../../core/auth/index.js';
import { addRule, getGroup, getRule, removeRule } from '../../domain/secgroup-proxy.js';
import { checkCidrPrefix, checkGroupId, newIngressRule, parseCidr } from '../../domain/secgroup-rules.js';
import { badRequest } from '../../errors.js';
import type { ComputeService } from '../../service.js';
import type { Guard } from '../index.js';
import { bodyPart, UNTIL_2_35 } from './proxy-request.js';
import { ruleView } from './security-group-views.js';

/**
 * os-security-group-rules (until 2.35): ingress rules added to and removed from Neutron
 * groups in nova-network's terms (a CIDR or a source group, a protocol and a port range).
 */
export function registerSecurityGroupRuleRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const until235 = { ...authed, ...UNTIL_2_35 };

  app.post('/v2.1/os-security-group-rules', until235, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-security-groups:rule:create');
    const args = bodyPart(request.body, 'security_group_rule');
    const net = svc.clients.network(ctx.token);
    const parent = await getGroup(net, checkGroupId(args['parent_group_id']));
    const groupId = args['group_id'] === undefined || args['group_id'] === null ? undefined : checkGroupId(args['group_id']);
    const source = groupId === undefined ? undefined : await getGroup(net, groupId);
    const rule = newIngressRule({
      protocol: args['ip_protocol'], fromPort: args['from_port'], toPort: args['to_port'],
      ...(source ? { groupId: source.id } : { cidr: parseCidr(args['cidr']) }),
    });
    if (!rule) throw badRequest('Not enough parameters to build a valid rule.');
    if (rule.cidr) checkCidrPrefix(rule.cidr);
    const created = await addRule(net, parent, rule);
    return { security_group_rule: await ruleView(created, source ? { name: source.name, tenant_id: source.projectId } : async () => null) };
  });

  app.delete<{ Params: { id: string } }>('/v2.1/os-security-group-rules/:id', until235, async (request, reply) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-security-groups:rule:delete');
    const net = svc.clients.network(ctx.token);
    const rule = await getRule(net, checkGroupId(request.params.id));
    await getGroup(net, rule.parentGroupId);
    await removeRule(net, rule.id);
    return reply.status(202).send();
  });
}
