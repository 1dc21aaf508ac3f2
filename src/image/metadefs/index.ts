import type { FastifyInstance } from 'fastify';
import { registerNamespaceRoutes } from './api/namespaces.js';
import { registerObjectRoutes } from './api/objects.js';
import { registerPropertyRoutes } from './api/properties.js';
import { registerResourceTypeRoutes } from './api/resource-types.js';
import { registerSchemaRoutes } from './api/schemas.js';
import { registerTagRoutes } from './api/tags.js';
import type { MetadefDeps } from './deps.js';

/**
 * Glance's metadata definitions catalogue (Image API v2 /v2/metadefs, Zed): namespaces
 * of property, object and tag definitions that clients (Horizon, Nova's image
 * properties) use to describe what metadata a resource type accepts. Self-contained:
 * its own tables (migration.ts), rules (metadefPolicies) and routes.
 */
export type { MetadefDeps } from './deps.js';
export type { MetadefTables } from './schema.js';
export { metadefPolicies } from './policies.js';
export { SEEDED_RESOURCE_TYPES } from './migration.js';

/** Adds every /v2/metadefs route and the /v2/schemas/metadefs documents to the image API. */
export function registerMetadefRoutes(app: FastifyInstance, deps: MetadefDeps): void {
  registerNamespaceRoutes(app, deps);
  registerObjectRoutes(app, deps);
  registerPropertyRoutes(app, deps);
  registerTagRoutes(app, deps);
  registerResourceTypeRoutes(app, deps);
  registerSchemaRoutes(app, deps);
}
