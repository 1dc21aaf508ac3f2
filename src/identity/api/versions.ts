import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IdentityService } from '../service.js';
import { baseUrl } from './kit.js';

const V3_MEDIA_TYPES = [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }];
const UPDATED = '2022-09-07T00:00:00Z';

function v3(svc: IdentityService, request: FastifyRequest): Record<string, unknown> {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: UPDATED,
    links: [{ rel: 'self', href: `${baseUrl(svc, request)}/v3/` }],
    'media-types': V3_MEDIA_TYPES,
  };
}

/** Version discovery: `/` lists the versions (300 Multiple Choices), `/v3` describes v3. */
export function registerVersionRoutes(app: FastifyInstance, svc: IdentityService): void {
  app.get('/', async (request, reply) => reply.status(300).send({ versions: { values: [v3(svc, request)] } }));
  app.get('/v3', async (request) => ({ version: v3(svc, request) }));
}
