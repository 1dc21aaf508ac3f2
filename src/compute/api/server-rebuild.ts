import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import { badRequest, conflict } from '../errors.js';
import type { ComputeService } from '../service.js';
import { generatePassword } from '../domain/server-create.js';
import { startRebuild } from '../domain/server-rebuild.js';
import { checkIpv4, checkIpv6 } from './addresses.js';
import { extrasFor } from './servers.js';
import { checkMetadataKeys } from './server-subresources.js';
import { serverView } from './server-views.js';
import { checkBody } from './validate.js';

const Rebuild = Type.Object({
  rebuild: Type.Object({
    imageRef: Type.String({ minLength: 1 }), name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), adminPass: Type.Optional(Type.String()),
    metadata: Type.Optional(Type.Record(Type.String({ maxLength: 255 }), Type.String({ maxLength: 255 }))), accessIPv4: Type.Optional(Type.String()),
    accessIPv6: Type.Optional(Type.String()), 'OS-DCF:diskConfig': Type.Optional(Type.Union([Type.Literal('AUTO'), Type.Literal('MANUAL')])), preserve_ephemeral: Type.Optional(Type.Boolean()),
    personality: Type.Optional(Type.Array(Type.Object({ path: Type.String({ maxLength: 255 }), contents: Type.String() }, { additionalProperties: false }))), description: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    key_name: Type.Optional(Type.Union([Type.String(), Type.Null()])), user_data: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    trusted_image_certificates: Type.Optional(Type.Unknown()), hostname: Type.Optional(Type.String()),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

/** POST /servers/{id}/action {"rebuild": ...}: the body's form and microversion rules here, the rebuild itself in domain/server-rebuild. */
export async function rebuild(svc: ComputeService, request: FastifyRequest, row: InstanceRow, reply: FastifyReply): Promise<unknown> {
  const ctx = callerOf(request);
  svc.authorize(ctx, 'os_compute_api:servers:rebuild', { project_id: row.project_id });
  if (row.locked_by && !svc.isAdmin(ctx)) throw conflict(`Instance ${row.uuid} is locked`);
  const v = request.apiVersion;
  const r = checkBody(Rebuild, request.body).rebuild;
  if (r.key_name !== undefined && !v.atLeast('2.54')) throw badRequest("Additional properties are not allowed ('key_name' was unexpected)");
  if (r.user_data !== undefined && !v.atLeast('2.57')) throw badRequest("Additional properties are not allowed ('user_data' was unexpected)");
  if (r.personality !== undefined && v.atLeast('2.57')) throw badRequest("Additional properties are not allowed ('personality' was unexpected)");
  checkMetadataKeys(r.metadata ?? {});
  const updated = await startRebuild(svc, { ctx, requestId: request.id }, row, {
    imageId: r.imageRef.split('/').pop()!,
    changes: {
      ...(r.name !== undefined ? { display_name: r.name } : {}), ...(r.description !== undefined && v.atLeast('2.19') ? { display_description: r.description } : {}),
      ...(r.accessIPv4 !== undefined ? { access_ip_v4: r.accessIPv4 ? checkIpv4(r.accessIPv4) : null } : {}),
      ...(r.accessIPv6 !== undefined ? { access_ip_v6: r.accessIPv6 ? checkIpv6(r.accessIPv6) : null } : {}),
      ...(r.user_data !== undefined ? { user_data: r.user_data } : {}),
    },
    ...(r.key_name !== undefined ? { keyName: r.key_name } : {}), ...(r.metadata !== undefined ? { metadata: r.metadata } : {}),
    ...(r['OS-DCF:diskConfig'] !== undefined ? { diskConfig: r['OS-DCF:diskConfig'] } : {}), ...(r.personality !== undefined ? { personality: r.personality } : {}),
  });
  const view = serverView(svc, request, updated, await extrasFor(svc, [updated]), svc.isAdmin(ctx), !v.atLeast('2.75'));
  // The rebuild answer names the key (2.54) and user data (2.57) it used, even in the core view.
  if (v.atLeast('2.54')) view.key_name = updated.key_name;
  if (v.atLeast('2.57')) {
    view.user_data = updated.user_data;
    delete view['OS-EXT-SRV-ATTR:user_data'];
  }
  return reply.status(202).send({ server: { ...view, adminPass: r.adminPass ?? generatePassword() } });
}
