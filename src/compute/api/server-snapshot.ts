import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import { startAction } from '../domain/instance-actions.js';
import { beginTask } from '../domain/instances.js';
import { TaskState, VmState } from '../domain/states.js';
import { conflict } from '../errors.js';
import type { SnapshotRequest } from '../manager/operations/snapshot.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { endpointOf } from './links.js';
import { checkMetadataKeys } from './server-subresources.js';
import { checkBody } from './validate.js';

const Meta = Type.Optional(Type.Record(Type.String({ maxLength: 255 }), Type.String({ maxLength: 255 })));
const CreateImage = Type.Object({ createImage: Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }), metadata: Meta }, { additionalProperties: false }) }, { additionalProperties: false });
const CreateBackup = Type.Object({
  createBackup: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 255 }), backup_type: Type.String({ minLength: 1 }),
    rotation: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9]+$' })]), metadata: Meta,
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const SNAPSHOT_STATES = [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED];

/**
 * createImage / createBackup: the image record is made here with the caller's token
 * (so it belongs to their project), the agent fills it with the disk.
 */
export async function snapshot(svc: ComputeService, request: FastifyRequest, row: InstanceRow, kind: 'createImage' | 'createBackup', reply: FastifyReply): Promise<unknown> {
  const ctx = callerOf(request);
  const v = request.apiVersion;
  svc.authorize(ctx, kind === 'createImage' ? 'os_compute_api:servers:create_image' : 'os_compute_api:os-create-backup', { project_id: row.project_id });
  if (row.locked_by && !svc.isAdmin(ctx)) throw conflict(`Instance ${row.uuid} is locked`);
  const body = request.body;
  const args = kind === 'createImage'
    ? { ...checkBody(CreateImage, body).createImage, backup: undefined }
    : (() => { const b = checkBody(CreateBackup, body).createBackup; return { name: b.name, metadata: b.metadata, backup: { type: b.backup_type, rotation: Number(b.rotation) } }; })();
  checkMetadataKeys(args.metadata ?? {});
  await beginTask(svc, row, kind, SNAPSHOT_STATES, null);
  if (!row.host) throw conflict(`Instance ${row.uuid} is not ready`);
  const imageClient = svc.clients.image(ctx.token);
  const base = row.image_ref ? await imageClient.image(row.image_ref).catch(() => null) : null;
  // The caller's metadata goes last: Nova lets it override the properties it sets itself (image_type included).
  const properties: Record<string, string> = {
    instance_uuid: row.uuid, image_type: args.backup ? 'backup' : 'snapshot', user_id: ctx.userId,
    ...(row.image_ref ? { base_image_ref: row.image_ref } : {}), ...(args.backup ? { backup_type: args.backup.type } : {}), ...(args.metadata ?? {}),
  };
  const image = await imageClient.createImage({
    name: args.name, container_format: base?.container_format ?? 'bare', disk_format: base?.disk_format ?? 'raw', visibility: 'private',
    min_disk: Math.max(base?.min_disk ?? 0, 0), min_ram: base?.min_ram ?? 0, ...properties,
  });
  try {
    await beginTask(svc, row, kind, SNAPSHOT_STATES, args.backup ? TaskState.IMAGE_BACKUP : TaskState.IMAGE_SNAPSHOT);
  } catch (e) {
    await imageClient.deleteImage(image.id).catch(() => undefined);
    throw e;
  }
  await startAction(svc, row.uuid, kind, { requestId: request.id, userId: ctx.userId, projectId: ctx.projectId ?? row.project_id });
  const req: SnapshotRequest = { uuid: row.uuid, requestId: request.id, imageId: image.id, ...(args.backup && args.backup.rotation >= 0 ? { backup: args.backup } : {}) };
  await svc.bus.cast({ topic: COMPUTE_TOPIC, server: row.host }, 'snapshot_instance', { request: { ...req } });
  // 2.45 answers with the image id; before, only a Location header pointing at it.
  if (v.atLeast('2.45')) return reply.status(202).send({ image_id: image.id });
  return reply.status(202).header('location', `${endpointOf(request)}/v2.1/images/${image.id}`).send();
}
