import type { FastifyInstance } from 'fastify';
import { requireToken } from '../../core/auth/index.js';
import { createServiceApp, useMicroversions, type ServiceApiOptions } from '../../core/http/index.js';
import { badRequest, NovaError, notFound, renderNovaError } from '../errors.js';
import type { ComputeService } from '../service.js';
import { registerAvailabilityZoneRoutes } from './availability-zones.js';
import { registerFlavorAccessRoutes } from './flavor-access.js';
import { registerHypervisorRoutes } from './hypervisors.js';
import { registerServiceRoutes } from './services.js';
import { registerServerRoutes } from './servers.js';
import { registerServerActionRoutes } from './server-actions.js';
import { registerServerSubresourceRoutes } from './server-subresources.js';
import { registerQuotaRoutes } from './quotas.js';
import { registerUsageRoutes } from './usage.js';
import { registerNovaNetworkProxyRoutes } from './nova-network/index.js';
import { registerServerGroupRoutes } from './server-groups.js';
import { registerAggregateRoutes } from './aggregates.js';
import { registerImageProxyRoutes } from './images.js';
import { registerFlavorRoutes } from './flavors.js';
import { registerKeypairRoutes } from './keypairs.js';
import { registerMigrationRoutes } from './migrations.js';
import { registerInterfaceRoutes } from './interfaces.js';
import { registerServerPasswordRoutes } from './server-password.js';
import { registerExternalEventRoutes } from './server-external-events.js';
import { registerExtensionRoutes } from './extensions.js';
import { registerHostRoutes } from './hosts.js';
import { registerDiagnosticsRoutes } from './diagnostics.js';
import { registerUsageAuditLogRoutes } from './usage-audit-log.js';
import { registerRemoteConsoleRoutes } from './remote-consoles.js';
import { registerRemovedApiRoutes } from './removed.js';
import { COMPUTE_MAX_VERSION, COMPUTE_MIN_VERSION, registerVersionRoutes } from './versions.js';

/** How routes require a token (all but the version documents). */
export interface Guard {
  preHandler: ReturnType<typeof requireToken>;
}

/**
 * The Compute API (Nova v2.1) as one Fastify app. A project id after /v2.1 (the form
 * of older catalogs) is accepted and ignored, as Nova does.
 */
export function createComputeApp(svc: ComputeService, options: ServiceApiOptions): FastifyInstance {
  const app = createServiceApp({
    service: 'compute', logger: svc.log, bodyLimit: options.bodyLimit, renderError: renderNovaError,
    rewriteUrl: (url) => url.replace(/^\/v2\.1\/(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?=\/|$|\?)/, '/v2.1'),
  });
  useMicroversions(app, {
    serviceType: 'compute', min: COMPUTE_MIN_VERSION, max: COMPUTE_MAX_VERSION, legacyHeader: 'X-OpenStack-Nova-API-Version',
    appliesTo: (path) => path.startsWith('/v2.1/'),
    invalid: (text) => badRequest(`API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.`),
    unacceptable: (v, min, max) => new NovaError(406, `Version ${v.toString()} is not supported by the API. Minimum is ${min} and maximum is ${max}.`),
  }, () => notFound('The resource could not be found.'));
  // Nova sends the request id under its old name too; clients and Tempest read it.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-compute-request-id', request.id);
  });
  registerVersionRoutes(app);
  const authed: Guard = { preHandler: requireToken(options.tokens) };
  registerFlavorRoutes(app, svc, authed);
  registerFlavorAccessRoutes(app, svc, authed);
  registerKeypairRoutes(app, svc, authed);
  registerServiceRoutes(app, svc, authed);
  registerServerRoutes(app, svc, authed);
  registerServerActionRoutes(app, svc, authed);
  registerServerSubresourceRoutes(app, svc, authed);
  registerQuotaRoutes(app, svc, authed);
  registerUsageRoutes(app, svc, authed);
  registerNovaNetworkProxyRoutes(app, svc, authed);
  registerServerGroupRoutes(app, svc, authed);
  registerAggregateRoutes(app, svc, authed);
  registerImageProxyRoutes(app, svc, authed);
  registerHypervisorRoutes(app, svc, authed);
  registerAvailabilityZoneRoutes(app, svc, authed);
  registerMigrationRoutes(app, svc, authed);
  registerInterfaceRoutes(app, svc, authed);
  registerServerPasswordRoutes(app, svc, authed);
  registerExternalEventRoutes(app, svc, authed);
  registerExtensionRoutes(app, svc, authed);
  registerHostRoutes(app, svc, authed);
  registerDiagnosticsRoutes(app, svc, authed);
  registerUsageAuditLogRoutes(app, svc, authed);
  registerRemoteConsoleRoutes(app, svc, authed);
  registerRemovedApiRoutes(app, svc, authed);
  return app;
}
