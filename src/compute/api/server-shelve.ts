import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import { startShelve, startShelveOffload, startUnshelve } from '../domain/server-shelve.js';
import { badRequest, conflict } from '../errors.js';
import type { ComputeService } from '../service.js';
import { checkBody } from './validate.js';

const Zone = Type.String({ minLength: 1, maxLength: 255 });
const Unshelve277 = Type.Object({ unshelve: Type.Union([Type.Null(), Type.Object({ availability_zone: Zone }, { additionalProperties: false })]) }, { additionalProperties: false });
const Unshelve291 = Type.Object({
  unshelve: Type.Union([Type.Null(), Type.Object({ availability_zone: Type.Optional(Type.Union([Zone, Type.Null()])), host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }, { additionalProperties: false })]),
}, { additionalProperties: false });
/** shelve and shelveOffload take null or an empty object (Tempest sends {}), as Nova's schema allows. */
const Plain = (key: string) => Type.Object({ [key]: Type.Union([Type.Null(), Type.Object({}, { additionalProperties: false })]) }, { additionalProperties: false });

/** shelve / shelveOffload / unshelve of POST /servers/{id}/action. */
export async function shelveAction(svc: ComputeService, request: FastifyRequest, row: InstanceRow, key: string, reply: FastifyReply): Promise<unknown> {
  const ctx = callerOf(request);
  const caller = { ctx, requestId: request.id };
  const target = { project_id: row.project_id, user_id: row.user_id };
  const v = request.apiVersion;
  if (row.locked_by && !svc.isAdmin(ctx)) throw conflict(`Instance ${row.uuid} is locked`);
  switch (key) {
    case 'shelve':
      svc.authorize(ctx, 'os_compute_api:os-shelve:shelve', target);
      checkBody(Plain('shelve'), request.body);
      await startShelve(svc, caller, row);
      break;
    case 'shelveOffload':
      svc.authorize(ctx, 'os_compute_api:os-shelve:shelve_offload', target);
      checkBody(Plain('shelveOffload'), request.body);
      await startShelveOffload(svc, caller, row);
      break;
    case 'unshelve': {
      svc.authorize(ctx, 'os_compute_api:os-shelve:unshelve', target);
      const args = v.atLeast('2.91') ? checkBody(Unshelve291, request.body).unshelve
        : v.atLeast('2.77') ? checkBody(Unshelve277, request.body).unshelve
          // Before 2.77 Nova does not look at the body at all.
          : null;
      const host = args && 'host' in args ? args.host : undefined;
      if (host !== undefined) svc.authorize(ctx, 'os_compute_api:os-shelve:unshelve_to_host', target);
      await startUnshelve(svc, caller, row, { ...(args && 'availability_zone' in args ? { zone: args.availability_zone ?? null } : {}), ...(host !== undefined ? { host } : {}) });
      break;
    }
    default:
      throw badRequest(`There is no such action: ${key}`);
  }
  return reply.status(202).send();
}
