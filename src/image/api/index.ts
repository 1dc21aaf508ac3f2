import type { FastifyInstance } from 'fastify';
import { requireToken } from '../../core/auth/index.js';
import { addJsonParser, createServiceApp, NotFoundError, type ServiceApiOptions } from '../../core/http/index.js';
import { ImageValidator } from '../domain/image-schema.js';
import { PATCH_MEDIA_TYPES } from '../domain/patch.js';
import { renderGlanceError } from '../errors.js';
import { registerMetadefRoutes } from '../metadefs/index.js';
import type { ImageService } from '../service.js';
import { registerImageDataRoutes } from './image-data.js';
import { registerImageRoutes } from './images.js';
import { registerImportRoutes } from './import.js';
import type { Guard } from './kit.js';
import { registerMemberRoutes } from './members.js';
import { registerSchemaRoutes } from './schemas.js';
import { registerVersionRoutes } from './versions.js';

/** The Glance v2 API as one Fastify app. */
export function createImageApp(svc: ImageService, options: ServiceApiOptions): FastifyInstance {
  const app = createServiceApp({ service: 'image', logger: svc.log, bodyLimit: options.bodyLimit, renderError: renderGlanceError });
  const authed: Guard = { preHandler: requireToken(options.tokens) };

  // PATCH bodies come as JSON-patch media types; parse them as JSON, refuse others in the route.
  addJsonParser(app, Object.keys(PATCH_MEDIA_TYPES));

  // The router ignores trailing slashes, but "/v2/images/" names an image with an empty
  // id, which Glance answers with 404 rather than with the image list.
  app.addHook('onRequest', async (request) => {
    if (/^\/v2\/images\/+(\?|$)/.test(request.url)) throw new NotFoundError('The resource could not be found.');
  });

  registerVersionRoutes(app);
  registerSchemaRoutes(app, svc, authed);
  registerImageRoutes(app, svc, new ImageValidator(svc.settings), authed);
  registerImageDataRoutes(app, svc, authed);
  registerImportRoutes(app, svc, authed);
  registerMemberRoutes(app, svc, authed);
  registerMetadefRoutes(app, { db: svc.db as never, policy: svc.policy, clock: svc.clock, ids: svc.ids, guard: authed });
  return app;
}
