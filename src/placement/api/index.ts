import { registerReshaperRoutes } from './reshaper.js';
import type { FastifyInstance } from 'fastify';
import { requireToken } from '../../core/auth/index.js';
import { createServiceApp, type ServiceApiOptions } from '../../core/http/index.js';
import { useMicroversions } from '../../core/http/microversion.js';
import { badRequest, notFound, PlacementError, renderPlacementError } from '../errors.js';
import type { PlacementService } from '../service.js';
import { registerAllocationCandidateRoutes } from './allocation-candidates.js';
import { registerAllocationRoutes } from './allocations.js';
import { registerInventoryRoutes } from './inventories.js';
import { registerProviderRoutes } from './resource-providers.js';
import { registerResourceClassRoutes } from './resource-classes.js';
import { registerTraitRoutes } from './traits.js';

/** Placement's microversions: 1.0 to 1.39, the Zed maximum. */
export const PLACEMENT_MIN_VERSION = '1.0';
export const PLACEMENT_MAX_VERSION = '1.39';

/** How routes require a token (every route but the version document). */
export interface Guard {
  preHandler: ReturnType<typeof requireToken>;
}

/** The Placement API as one Fastify app. */
export function createPlacementApp(svc: PlacementService, options: ServiceApiOptions): FastifyInstance {
  const app = createServiceApp({ service: 'placement', logger: svc.log, bodyLimit: options.bodyLimit, renderError: renderPlacementError });
  useMicroversions(app, {
    serviceType: 'placement', min: PLACEMENT_MIN_VERSION, max: PLACEMENT_MAX_VERSION,
    invalid: (text) => badRequest(`invalid version string: ${text}`),
    unacceptable: (v) => new PlacementError(406, `Unacceptable version header: ${v.toString()}`),
  }, () => notFound('The resource could not be found.'));
  // From 1.15 every successful GET says when it changed and that it must not be cached.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method === 'GET' && reply.statusCode === 200 && request.apiVersion.atLeast('1.15')) {
      reply.header('cache-control', 'no-cache');
      if (!reply.hasHeader('last-modified')) reply.header('last-modified', svc.clock.now().toUTCString());
    }
    return payload;
  });
  app.get('/', async () => ({
    versions: [{ id: `v${PLACEMENT_MIN_VERSION}`, max_version: PLACEMENT_MAX_VERSION, min_version: PLACEMENT_MIN_VERSION, status: 'CURRENT', links: [{ rel: 'self', href: '' }] }],
  }));
  const authed: Guard = { preHandler: requireToken(options.tokens) };
  registerProviderRoutes(app, svc, authed);
  registerInventoryRoutes(app, svc, authed);
  registerResourceClassRoutes(app, svc, authed);
  registerTraitRoutes(app, svc, authed);
  registerAllocationRoutes(app, svc, authed);
  registerAllocationCandidateRoutes(app, svc, authed);
  registerReshaperRoutes(app, svc, authed);
  return app;
}
