import type { FastifyInstance, FastifyRequest } from 'fastify';
import { endpointOf } from './links.js';

export const COMPUTE_MIN_VERSION = '2.1';
/** Zed's maximum (Nova 26.0.0). */
export const COMPUTE_MAX_VERSION = '2.93';

function v21(request: FastifyRequest): Record<string, unknown> {
  return {
    id: 'v2.1', status: 'CURRENT', version: COMPUTE_MAX_VERSION, min_version: COMPUTE_MIN_VERSION, updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: `${endpointOf(request)}/v2.1/` }],
  };
}

/** GET / and GET /v2.1: Nova's version documents (no token needed). */
export function registerVersionRoutes(app: FastifyInstance): void {
  app.get('/', async (request) => ({
    versions: [
      { id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{ rel: 'self', href: `${endpointOf(request)}/v2/` }] },
      v21(request),
    ],
  }));
  // The v2.0 document: Nova still describes its legacy endpoint; Stratus serves only v2.1's API.
  app.get('/v2', async (request) => ({
    version: {
      id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z',
      links: [{ rel: 'self', href: `${endpointOf(request)}/v2/` }, { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' }],
    },
  }));
  app.get('/v2.1', async (request) => ({
    version: {
      ...v21(request),
      links: [{ rel: 'self', href: `${endpointOf(request)}/v2.1/` }, { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
    },
  }));
}
