import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import { NOVA_EXTENSIONS } from './data/extensions.js';
import type { Guard } from './index.js';

const NAMESPACE = 'http://docs.openstack.org/compute/ext/fake_xml';

const view = ([alias, name, description, updated]: readonly [string, string, string, string]) => ({ alias, name, description, links: [], namespace: NAMESPACE, updated });

/** GET /extensions[/{alias}]: Nova's frozen v2.1 extension list. */
export function registerExtensionRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.get('/v2.1/extensions', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:extensions');
    return { extensions: NOVA_EXTENSIONS.map(view) };
  });
  app.get<{ Params: { alias: string } }>('/v2.1/extensions/:alias', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:extensions');
    const found = NOVA_EXTENSIONS.find(([alias]) => alias === request.params.alias);
    if (!found) throw notFound('The resource could not be found.');
    return { extension: view(found) };
  });
}
