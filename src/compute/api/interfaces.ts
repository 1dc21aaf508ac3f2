import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { PortInfo } from '../../network/contract/client.js';
import { attachInterface, detachInterface, portsOfServer } from '../domain/interfaces.js';
import { getInstance } from '../domain/instances.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { checkBody } from './validate.js';

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$' });
const Attach = Type.Object({
  interfaceAttachment: Type.Object({
    net_id: Type.Optional(Uuid), port_id: Type.Optional(Uuid),
    fixed_ips: Type.Optional(Type.Array(Type.Object({ ip_address: Type.String() }, { additionalProperties: false }), { minItems: 1, maxItems: 1 })),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 60, pattern: '^[^,/]*$' })),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

/** A port as os-interface shows it; the tag from 2.70. */
function interfaceView(port: PortInfo, showTag: boolean): Record<string, unknown> {
  return {
    port_state: port.status, fixed_ips: port.fixed_ips.map((ip) => ({ subnet_id: ip.subnet_id, ip_address: ip.ip_address })), port_id: port.id,
    net_id: port.network_id, mac_addr: port.mac_address, ...(showTag ? { tag: null } : {}),
  };
}

type Params = { Params: { id: string; port: string } };

export function registerInterfaceRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.get<Params>('/v2.1/servers/:id/os-interface', authed, async (request) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:os-attach-interfaces:list', { project_id: row.project_id });
    const ports = await portsOfServer(svc, { ctx, requestId: request.id }, row);
    return { interfaceAttachments: ports.map((p) => interfaceView(p, request.apiVersion.atLeast('2.70'))) };
  });

  app.get<Params>('/v2.1/servers/:id/os-interface/:port', authed, async (request) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:os-attach-interfaces:show', { project_id: row.project_id });
    const port = (await portsOfServer(svc, { ctx, requestId: request.id }, row)).find((p) => p.id === request.params.port);
    if (!port) throw notFound(`Instance ${row.uuid} does not have a port with id ${request.params.port}`);
    return { interfaceAttachment: interfaceView(port, request.apiVersion.atLeast('2.70')) };
  });

  app.post<Params>('/v2.1/servers/:id/os-interface', authed, async (request) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:os-attach-interfaces:create', { project_id: row.project_id });
    const a = checkBody(Attach, request.body).interfaceAttachment;
    if (a.tag !== undefined && !request.apiVersion.atLeast('2.49')) throw badRequest("Additional properties are not allowed ('tag' was unexpected)");
    if (a.net_id && a.port_id) throw badRequest('Must not input both network_id and port_id');
    if (a.fixed_ips && !a.net_id) throw badRequest('Must input network_id when request IP address');
    if (row.locked_by && !svc.isAdmin(ctx)) throw conflict(`Instance ${row.uuid} is locked`);
    const port = await attachInterface(svc, { ctx, requestId: request.id }, row, {
      ...(a.net_id ? { netId: a.net_id } : {}), ...(a.port_id ? { portId: a.port_id } : {}), ...(a.fixed_ips ? { fixedIp: a.fixed_ips[0]!.ip_address } : {}),
    });
    return { interfaceAttachment: interfaceView(port, request.apiVersion.atLeast('2.70')) };
  });

  app.delete<Params>('/v2.1/servers/:id/os-interface/:port', authed, async (request, reply) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:os-attach-interfaces:delete', { project_id: row.project_id });
    if (row.locked_by && !svc.isAdmin(ctx)) throw conflict(`Instance ${row.uuid} is locked`);
    await detachInterface(svc, { ctx, requestId: request.id }, row, request.params.port);
    return reply.status(202).send();
  });
}
