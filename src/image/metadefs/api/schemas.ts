import type { FastifyInstance } from 'fastify';
import type { MetadefDeps } from '../deps.js';
import { METADEF_SCHEMAS } from '../json-schemas.js';
import { rejectBody } from '../validation.js';

/**
 * GET /v2/schemas/metadefs/{namespace,namespaces,object,...}: the documents request
 * bodies are checked against. Built once; they never change at run time.
 */
export function registerSchemaRoutes(app: FastifyInstance, deps: MetadefDeps): void {
  for (const [name, build] of Object.entries(METADEF_SCHEMAS)) {
    const doc = build();
    app.get(`/v2/schemas/metadefs/${name}`, { ...deps.guard }, async (request) => {
      rejectBody(request.headers);
      return doc;
    });
  }
}
