import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { findService } from '../domain/services.js';
import { hostNotFound, hostResources, listHosts, setHostEnabled } from '../domain/hosts.js';
import { NovaError } from '../errors.js';
import { COMPUTE_BINARY } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { checkBody } from './validate.js';

const Toggle = Type.Union(['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE'].map((v) => Type.Literal(v)));
const Update = Type.Object({ status: Type.Optional(Toggle), maintenance_mode: Type.Optional(Toggle) }, { additionalProperties: false });

/** What Nova answers when the hypervisor cannot do a host-wide action (HTTP 501). */
const notSupported = () => new NovaError(501, 'The requested functionality is not supported.');

/** os-hosts (admins, until 2.42): hosts and their services, resources, enabling, and the host power actions no driver here offers. */
export function registerHostRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const until242 = { ...authed, config: { versions: { max: '2.42' } } };
  app.get<{ Querystring: { zone?: string } }>('/v2.1/os-hosts', until242, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-hosts:list');
    return { hosts: await listHosts(svc, request.query.zone || undefined) };
  });
  app.get<{ Params: { host: string } }>('/v2.1/os-hosts/:host', until242, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-hosts:show');
    return { host: (await hostResources(svc, request.params.host)).map((resource) => ({ resource })) };
  });
  app.put<{ Params: { host: string } }>('/v2.1/os-hosts/:host', until242, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-hosts:update');
    const body = checkBody(Update, request.body);
    if (body.status === undefined && body.maintenance_mode === undefined) throw new NovaError(400, "Invalid input for field/attribute body. Value: {}. {} is not valid under any of the given schemas");
    const host = request.params.host;
    if (!(await findService(svc, host, COMPUTE_BINARY))) throw hostNotFound(host);
    // Maintenance mode is a XenServer feature; no driver here has it, as with Nova's libvirt.
    if (body.maintenance_mode !== undefined) throw notSupported();
    return { host, status: await setHostEnabled(svc, host, body.status!.toLowerCase() === 'enable') };
  });
  for (const action of ['startup', 'shutdown', 'reboot'] as const) {
    app.get<{ Params: { host: string } }>(`/v2.1/os-hosts/:host/${action}`, until242, async (request) => {
      svc.authorize(callerOf(request), `os_compute_api:os-hosts:${action}`);
      if (!(await findService(svc, request.params.host, COMPUTE_BINARY))) throw hostNotFound(request.params.host);
      throw notSupported();
    });
  }
}
