import type { FastifyInstance } from 'fastify';
import { requireToken } from '../../core/auth/index.js';
import { createServiceApp } from '../../core/http/index.js';
import { LocalTokenValidator } from '../auth/context.js';
import { renderKeystoneError } from '../errors.js';
import type { IdentityService } from '../service.js';
import { registerAuthRoutes } from './auth-routes.js';
import type { Guard } from './kit.js';
import { registerRegionRoutes } from './regions.js';
import { registerVersionRoutes } from './versions.js';

/** Each resource family registers its routes through one of these. */
export type RouteModule = (app: FastifyInstance, svc: IdentityService, authed: Guard) => void;

const resourceModules: RouteModule[] = [
  registerRegionRoutes,
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
