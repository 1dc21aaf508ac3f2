import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestBase } from './kit.js';

/**
 * Glance Zed's version list with one named store configured (enabled_backends) and
 * no image cache: 2.15 current, the multi-store versions 2.8-2.13, and 2.0-2.7.
 */
const VERSIONS: Array<[string, 'CURRENT' | 'SUPPORTED']> = [
  ['2.15', 'CURRENT'], ['2.13', 'SUPPORTED'], ['2.12', 'SUPPORTED'], ['2.11', 'SUPPORTED'], ['2.10', 'SUPPORTED'],
  ['2.9', 'SUPPORTED'], ['2.8', 'SUPPORTED'], ['2.7', 'SUPPORTED'], ['2.6', 'SUPPORTED'], ['2.5', 'SUPPORTED'],
  ['2.4', 'SUPPORTED'], ['2.3', 'SUPPORTED'], ['2.2', 'SUPPORTED'], ['2.1', 'SUPPORTED'], ['2.0', 'SUPPORTED'],
];

function versionList(request: FastifyRequest): { versions: unknown[] } {
  const href = `${requestBase(request)}/v2/`;
  return { versions: VERSIONS.map(([id, status]) => ({ id: `v${id}`, status, links: [{ rel: 'self', href }] })) };
}

export function registerVersionRoutes(app: FastifyInstance): void {
  // Glance answers the root with 300 Multiple Choices and /versions with 200.
  app.get('/', async (request, reply) => reply.status(300).send(versionList(request)));
  app.get('/versions', async (request) => versionList(request));
  app.get('/v2', async (request) => versionList(request));
}
