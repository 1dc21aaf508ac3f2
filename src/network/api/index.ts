import type { FastifyInstance } from 'fastify';
import { requireToken } from '../../core/auth/index.js';
import { createServiceApp, type ServiceApiOptions } from '../../core/http/index.js';
import { renderNeutronError } from '../errors.js';
import type { NetworkService } from '../service.js';
import type { Guard } from './kit.js';
import { registerNetworkRoutes } from './networks.js';
import { registerAgentRoutes } from './agents.js';
import { registerPortRoutes } from './ports.js';
import { registerQuotaRoutes } from './quotas.js';
import { registerL3Routes } from './routers.js';
import { registerSecurityGroupRoutes } from './security-groups.js';
import { registerSubnetPoolRoutes } from './subnet-pools.js';
import { registerSubnetRoutes } from './subnets.js';
import { registerVersionRoutes } from './versions.js';

/** The Neutron v2.0 API as one Fastify app. */
export function createNetworkApp(svc: NetworkService, options: ServiceApiOptions): FastifyInstance {
  const app = createServiceApp({
    service: 'network', logger: svc.log, bodyLimit: options.bodyLimit, renderError: renderNeutronError,
    // Neutron's routing takes `/v2.0/networks.json` as `/v2.0/networks` (older clients, Tempest's quota details).
    rewriteUrl: (url) => url.replace(/\.json(?=\?|$)/, ''),
  });
  const authed: Guard = { preHandler: requireToken(options.tokens) };
  registerVersionRoutes(app, authed);
  registerNetworkRoutes(app, svc, authed);
  registerSubnetRoutes(app, svc, authed);
  registerSubnetPoolRoutes(app, svc, authed);
  registerPortRoutes(app, svc, authed);
  registerSecurityGroupRoutes(app, svc, authed);
  registerL3Routes(app, svc, authed);
  registerQuotaRoutes(app, svc, authed);
  registerAgentRoutes(app, svc, authed);
  return app;
}
