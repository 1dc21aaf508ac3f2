import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import { confirmMove, revertMove, startEvacuation, startLiveMigration, startMove } from '../domain/server-move.js';
import { generatePassword } from '../domain/server-create.js';
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

const BoolText = Type.Union([Type.Boolean(), Type.String()]);
const MigrateLive = Type.Object({
  'os-migrateLive': Type.Object({
    host: Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()]),
    block_migration: Type.Union([BoolText, Type.Literal('auto')]),
    disk_over_commit: Type.Optional(BoolText),
    force: Type.Optional(BoolText),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

/** oslo's bool_from_string(strict=True): booleans and their usual spellings, anything else a 400. */
function strictBool(field: string, v: boolean | string | undefined): boolean {
  if (v === undefined || typeof v === 'boolean') return v === true;
  if (/^(true|yes|on|1|t|y)$/i.test(v)) return true;
  if (/^(false|no|off|0|f|n)$/i.test(v)) return false;
  throw badRequest(`Invalid input for field/attribute ${field}. Value: ${v}. '${v}' is not a boolean`);
}

/** os-migrateLive: microversion rules on the body (2.25 auto and no disk_over_commit, 2.30-2.67 force), then the move. */
export async function liveMigrateAction(svc: ComputeService, request: FastifyRequest, row: InstanceRow, reply: FastifyReply): Promise<unknown> {
  const ctx = callerOf(request);
  const v = request.apiVersion;
  const args = checkBody(MigrateLive, request.body)['os-migrateLive'];
  svc.authorize(ctx, 'os_compute_api:os-migrate-server:migrate_live', { project_id: row.project_id });
  if (v.atLeast('2.25')) {
    if (args.disk_over_commit !== undefined) throw badRequest("Additional properties are not allowed ('disk_over_commit' was unexpected)");
  } else {
    if (args.block_migration === 'auto') throw badRequest("Invalid input for field/attribute block_migration. Value: auto. 'auto' is not of type 'boolean', 'string'");
    if (args.disk_over_commit === undefined) throw badRequest("Invalid input for field/attribute os-migrateLive. Value: {...}. 'disk_over_commit' is a required property");
  }
  if (args.force !== undefined && (!v.atLeast('2.30') || v.atLeast('2.68'))) throw badRequest("Additional properties are not allowed ('force' was unexpected)");
  if (args.block_migration !== 'auto') strictBool('block_migration', args.block_migration);
  strictBool('disk_over_commit', args.disk_over_commit);
  const force = strictBool('force', args.force);
  if (force && !args.host) throw badRequest("Can't force to a non-provided destination");
  await startLiveMigration(svc, { ctx, requestId: request.id }, row, { host: args.host, force, wait: !v.atLeast('2.34') });
  return reply.status(202).send();
}

const Evacuate = Type.Object({
  evacuate: Type.Object({
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), onSharedStorage: Type.Optional(BoolText), adminPass: Type.Optional(Type.String()),
    force: Type.Optional(BoolText),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

/** evacuate: body rules per microversion (onSharedStorage until 2.14, force 2.29-2.67), then the rebuild elsewhere. */
export async function evacuateAction(svc: ComputeService, request: FastifyRequest, row: InstanceRow, reply: FastifyReply): Promise<unknown> {
  const ctx = callerOf(request);
  const v = request.apiVersion;
  const args = checkBody(Evacuate, request.body).evacuate;
  svc.authorize(ctx, 'os_compute_api:os-evacuate', { project_id: row.project_id, user_id: row.user_id });
  if (v.atLeast('2.14')) {
    if (args.onSharedStorage !== undefined) throw badRequest("Additional properties are not allowed ('onSharedStorage' was unexpected)");
  } else if (args.onSharedStorage === undefined) {
    throw badRequest("Invalid input for field/attribute evacuate. Value: {...}. 'onSharedStorage' is a required property");
  }
  const onShared = strictBool('onSharedStorage', args.onSharedStorage);
  if (onShared && args.adminPass !== undefined && !v.atLeast('2.14')) throw badRequest("admin password can't be changed on existing disk");
  if (args.force !== undefined && (!v.atLeast('2.29') || v.atLeast('2.68'))) throw badRequest("Additional properties are not allowed ('force' was unexpected)");
  const force = strictBool('force', args.force);
  if (force && !args.host) throw badRequest("Can't force to a non-provided destination");
  await startEvacuation(svc, { ctx, requestId: request.id }, row, { host: args.host ?? null, force });
  if (!v.atLeast('2.14')) return reply.status(200).send({ adminPass: args.adminPass ?? generatePassword() });
  return reply.status(200).send();
}

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
      await startMove(svc, caller, row, String(args.flavorRef).split('/').pop()!, null, args['OS-DCF:diskConfig'] ?? 'MANUAL');
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
