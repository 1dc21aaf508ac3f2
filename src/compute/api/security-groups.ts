import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { RemoteApiError } from '../../core/http/index.js';
import type { SecurityGroupInfo } from '../../network/contract/client.js';
import { notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';

/** A Neutron group as Nova's os-security-groups proxy shows it (ingress rules only, nova-network style). */
function groupView(g: SecurityGroupInfo): Record<string, unknown> {
  return {
    id: g.id, name: g.name, description: g.description, tenant_id: g.tenant_id,
    rules: (g.security_group_rules ?? []).filter((r) => r.direction === 'ingress').map((r) => ({
      id: r.id, parent_group_id: g.id, ip_protocol: r.protocol, from_port: r.port_range_min ?? -1, to_port: r.port_range_max ?? -1,
      ip_range: r.remote_ip_prefix ? { cidr: r.remote_ip_prefix } : {}, group: r.remote_group_id ? { tenant_id: g.tenant_id, name: r.remote_group_id } : {},
    })),
  };
}

/**
 * GET /os-security-groups[/{id}]: Nova's proxy to the network service, deprecated at
 * 2.36 but still what openstack CLI 6.0 uses to find a group for `server add security group`.
 */
export function registerSecurityGroupProxyRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const until235 = { ...authed, config: { versions: { max: '2.35' } } };
  app.get('/v2.1/os-security-groups', until235, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-security-groups:get');
    const groups = await svc.clients.network(ctx.token).securityGroups({ tenant_id: ctx.projectId ?? '' });
    return { security_groups: groups.map(groupView) };
  });
  app.get<{ Params: { id: string } }>('/v2.1/os-security-groups/:id', until235, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-security-groups:show');
    try {
      return { security_group: groupView(await svc.clients.network(ctx.token).securityGroup(request.params.id)) };
    } catch (e) {
      if (e instanceof RemoteApiError && e.status === 404) throw notFound(`Security group ${request.params.id} not found.`);
      throw e;
    }
  });
}
