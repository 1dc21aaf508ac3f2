import type { FastifyInstance } from 'fastify';
import { requireToken } from '../../core/auth/index.js';
import { createServiceApp } from '../../core/http/index.js';
import { LocalTokenValidator } from '../auth/context.js';
import { renderKeystoneError } from '../errors.js';
import type { IdentityService } from '../service.js';
import { registerAuthRoutes } from './auth-routes.js';
import type { Guard } from './kit.js';
import { registerRegionRoutes } from './regions.js';
import { registerApplicationCredentialRoutes } from './application-credentials.js';
import { registerAccessRuleRoutes } from './access-rules.js';
import { registerTrustRoutes } from './trusts.js';
import { registerOauth1ConsumerRoutes } from './oauth1-consumers.js';
import { registerOauth1FlowRoutes } from './oauth1-flow.js';
import { registerOsRevokeRoutes } from './os-revoke.js';
import { registerRoleRoutes } from './roles.js';
import { registerImpliedRoleRoutes } from './implied-roles.js';
import { registerGrantRoutes } from './grants.js';
import { registerRoleAssignmentRoutes } from './role-assignments.js';
import { registerServiceRoutes } from './services.js';
import { registerEndpointRoutes } from './endpoints.js';
import { registerEndpointGroupRoutes } from './endpoint-groups.js';
import { registerPolicyRoutes } from './policies-api.js';
import { registerVersionRoutes } from './versions.js';
import { registerDomainRoutes } from './domains.js';
import { registerDomainConfigRoutes } from './domain-config.js';
import { registerProjectRoutes } from './projects.js';
import { registerProjectTagRoutes } from './project-tags.js';
import { registerUserRoutes } from './users.js';
import { registerGroupRoutes } from './groups.js';
import { registerCredentialRoutes } from './credentials.js';
import { registerEc2CredentialRoutes } from './ec2-credentials.js';
import { registerRegisteredLimitRoutes } from './registered-limits.js';
import { registerLimitRoutes } from './limits.js';

/** Each resource family registers its routes through one of these. */
export type RouteModule = (app: FastifyInstance, svc: IdentityService, authed: Guard) => void;

const resourceModules: RouteModule[] = [
  registerRegionRoutes,
  registerDomainRoutes,
  registerDomainConfigRoutes,
  registerProjectRoutes,
  registerProjectTagRoutes,
  registerUserRoutes,
  registerGroupRoutes,
  registerCredentialRoutes,
  registerEc2CredentialRoutes,
  registerRoleRoutes,
  registerImpliedRoleRoutes,
  registerGrantRoutes,
  registerRoleAssignmentRoutes,
  registerServiceRoutes,
  registerEndpointRoutes,
  registerEndpointGroupRoutes,
  registerPolicyRoutes,
  registerApplicationCredentialRoutes,
  registerAccessRuleRoutes,
  registerTrustRoutes,
  registerOauth1ConsumerRoutes,
  registerOauth1FlowRoutes,
  registerOsRevokeRoutes,
  registerRegisteredLimitRoutes,
  registerLimitRoutes,
];

/** The Keystone v3 API as one Fastify app. */
export function createIdentityApp(svc: IdentityService, options: { bodyLimit: number }): FastifyInstance {
  const app = createServiceApp({ service: 'identity', logger: svc.log, bodyLimit: options.bodyLimit, renderError: renderKeystoneError });
  const authed: Guard = { preHandler: requireToken(new LocalTokenValidator(svc.tokens)) };

  // Any successful write may change what a token resolves to or what the catalog
  // holds: drop the memoised views before the client can observe the response.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400 && request.url !== '/v3/auth/tokens') svc.changed();
    return payload;
  });

  registerVersionRoutes(app, svc);
  registerAuthRoutes(app, svc, authed);
  for (const register of resourceModules) register(app, svc, authed);
  return app;
}
