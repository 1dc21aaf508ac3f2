import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import { confirmMove, revertMove, startMove } from '../domain/server-move.js';
import { badRequest, conflict } from '../errors.js';
import type { ComputeService } from '../service.js';
import { checkBody } from './validate.js';

const FlavorRef = Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Integer({ minimum: 1 })]);
const Resize = Type.Object({
  resize: Type.Object({ flavorRef: FlavorRef, 'OS-DCF:diskConfig': Type.Optional(Type.Union([Type.Literal('AUTO'), Type.Literal('MANUAL')])) }, { additionalProperties: false }),
}, { additionalProperties: false });
const Migrate = Type.Object({
  migrate: Type.Union([Type.Null(), Type.Object({ host: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()])) }, { additionalProperties: false })]),
}, { additionalProperties: false });

/** resize / confirmResize / revertResize / migrate: the cold moves of POST /servers/{id}/action. */
export async function coldMoveAction(svc: ComputeService, request: FastifyRequest, row: InstanceRow, key: string, reply: FastifyReply): Promise<unknown> {
  const ctx = callerOf(request);
  const caller = { ctx, requestId: request.id };
  const target = { project_id: row.project_id, user_id: row.user_id };
  const checkLock = (): void => {
    if (row.locked_by && !svc.isAdmin(ctx)) throw conflict(`Instance ${row.uuid} is locked`);
  };
  switch (key) {
    case 'resize': {
      svc.authorize(ctx, 'os_compute_api:servers:resize', target);
      const args = checkBody(Resize, request.body).resize;
      checkLock();
      await startMove(svc, caller, row, String(args.flavorRef).split('/').pop()!, null);
      return reply.status(202).send();
    }
    case 'migrate': {
      svc.authorize(ctx, 'os_compute_api:os-migrate-server:migrate', target);
      const args = checkBody(Migrate, request.body).migrate;
      if (args && Object.keys(args).length > 0 && !request.apiVersion.atLeast('2.56')) throw badRequest("Invalid input for field/attribute migrate. Value: {'host': ...}. Additional properties are not allowed");
      await startMove(svc, caller, row, null, args?.host ?? null);
      return reply.status(202).send();
    }
    case 'confirmResize':
      svc.authorize(ctx, 'os_compute_api:servers:confirm_resize', target);
      checkLock();
      await confirmMove(svc, caller, row);
      return reply.status(204).send();
    case 'revertResize':
      svc.authorize(ctx, 'os_compute_api:servers:revert_resize', target);
      checkLock();
      await revertMove(svc, caller, row);
      return reply.status(202).send();
    default:
      throw badRequest(`There is no such action: ${key}`);
  }
}
