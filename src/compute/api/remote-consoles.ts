import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import { consoleOfToken, consoleUrl } from '../domain/consoles.js';
import { getInstance } from '../domain/instances.js';
import { badRequest, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { checkBody } from './validate.js';

const RemoteConsole = Type.Object({
  remote_console: Type.Object({
    protocol: Type.Union(['vnc', 'spice', 'serial', 'rdp', 'mks'].map((p) => Type.Literal(p))),
    type: Type.Union(['novnc', 'xvpvnc', 'rdp-html5', 'spice-html5', 'serial', 'webmks'].map((t) => Type.Literal(t))),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

/** The pre-2.6 console actions and the protocol each asks for. */
export const LEGACY_CONSOLE_ACTIONS: Readonly<Record<string, string>> = {
  'os-getVNCConsole': 'vnc', 'os-getSPICEConsole': 'spice', 'os-getRDPConsole': 'rdp', 'os-getSerialConsole': 'serial',
};

/** os-getVNCConsole and friends (2.1-2.5): {"console": {"type", "url"}}. */
export async function legacyConsoleAction(svc: ComputeService, request: FastifyRequest, row: InstanceRow, key: string, reply: FastifyReply): Promise<unknown> {
  const ctx = callerOf(request);
  svc.authorize(ctx, 'os_compute_api:os-remote-consoles', { project_id: row.project_id });
  const { type } = checkBody(Type.Object({ [key]: Type.Object({ type: Type.String() }, { additionalProperties: false }) }), request.body)[key]!;
  const url = await consoleUrl(svc, row, LEGACY_CONSOLE_ACTIONS[key]!, type);
  return reply.status(200).send({ console: { type, url } });
}

export function registerRemoteConsoleRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.post<{ Params: { id: string } }>('/v2.1/servers/:id/remote-consoles', { ...authed, config: { versions: { min: '2.6' } } }, async (request) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:os-remote-consoles', { project_id: row.project_id });
    const { protocol, type } = checkBody(RemoteConsole, request.body).remote_console;
    if (protocol === 'mks' && !request.apiVersion.atLeast('2.8')) throw badRequest("Invalid input for field/attribute protocol. Value: mks. 'mks' is not one of ['vnc', 'spice', 'serial', 'rdp']");
    if (protocol === 'rdp') throw badRequest(`Unavailable console type ${protocol}.`);
    return { remote_console: { protocol, type, url: await consoleUrl(svc, row, protocol, type) } };
  });

  app.get<{ Params: { token: string } }>('/v2.1/os-console-auth-tokens/:token', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-console-auth-tokens');
    const found = await consoleOfToken(svc, request.params.token);
    if (!found) throw notFound('The token is invalid or has expired');
    // Before 2.31 only RDP tokens could be looked up.
    if (!request.apiVersion.atLeast('2.31') && found.consoleType !== 'rdp-html5') throw badRequest('The requested console type details are not accessible');
    return { console: { instance_uuid: found.instanceUuid, host: found.host, port: found.port, internal_access_path: found.internalAccessPath } };
  });
}
