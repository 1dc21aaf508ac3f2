import type { FastifyInstance } from 'fastify';
import type { ComputeService } from '../../service.js';
import type { Guard } from '../index.js';
import { registerFloatingIpRoutes } from './floating-ips.js';
import { registerNetworkRoutes } from './networks.js';
import { registerSecurityGroupRuleRoutes } from './security-group-rules.js';
import { registerSecurityGroupRoutes } from './security-groups.js';

export { floatingIpAction } from './floating-ip-actions.js';

/** Nova's nova-network proxy APIs (deprecated at 2.36): security groups, floating IPs and networks served from Neutron. */
export function registerNovaNetworkProxyRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  registerSecurityGroupRoutes(app, svc, authed);
  registerSecurityGroupRuleRoutes(app, svc, authed);
  registerFloatingIpRoutes(app, svc, authed);
  registerNetworkRoutes(app, svc, authed);
}
