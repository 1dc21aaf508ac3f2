import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { RemoteApiError } from '../../core/http/index.js';
import type { InstanceRow } from '../db/schema.js';
import { startAction } from '../domain/instance-actions.js';
import { flavorOf, systemMetadataOf, withDiskConfig } from '../domain/instance-model.js';
import { vifsOf } from '../domain/instance-spec.js';
import { beginTask, getInstance, updateInstance } from '../domain/instances.js';
import { getKeyPair } from '../domain/keypairs.js';
import { checkInjectedFiles, limitsFor } from '../domain/quotas.js';
import { TaskState, VmState } from '../domain/states.js';
import { badRequest, conflict } from '../errors.js';
import type { RebuildRequest } from '../manager/operations/rebuild.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { generatePassword } from '../domain/server-create.js';
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

/** The system metadata after a rebuild: a new disk config and new injected files when the request has them. */
function rebuiltSystemMetadata(sysmeta: Record<string, string>, diskConfig: 'AUTO' | 'MANUAL' | undefined, imageProps: Record<string, unknown>, imageId: string,
  injected: Array<{ path: string; contents: string }> | undefined): Record<string, string> {
  const next = diskConfig !== undefined ? withDiskConfig(sysmeta, diskConfig, imageProps, imageId) : { ...sysmeta };
  if (injected !== undefined) next.injected_files = JSON.stringify(injected);
  return next;
}

/** POST /servers/{id}/action {"rebuild": ...}: a new root disk from an image, same ports, same host. */
export async function rebuild(svc: ComputeService, request: FastifyRequest, row: InstanceRow, reply: FastifyReply): Promise<unknown> {
  const ctx = callerOf(request);
  svc.authorize(ctx, 'os_compute_api:servers:rebuild', { project_id: row.project_id });
  if (row.locked_by && !svc.isAdmin(ctx)) throw conflict(`Instance ${row.uuid} is locked`);
  const v = request.apiVersion;
  const r = checkBody(Rebuild, request.body).rebuild;
  if (r.key_name !== undefined && !v.atLeast('2.54')) throw badRequest("Additional properties are not allowed ('key_name' was unexpected)");
  if (r.user_data !== undefined && !v.atLeast('2.57')) throw badRequest("Additional properties are not allowed ('user_data' was unexpected)");
  checkMetadataKeys(r.metadata ?? {});
  if (r.personality !== undefined && v.atLeast('2.57')) throw badRequest("Additional properties are not allowed ('personality' was unexpected)");
  const injected = r.personality !== undefined ? checkInjectedFiles(await limitsFor(svc, row.project_id, row.user_id), r.personality) : undefined;
  const imageId = r.imageRef.split('/').pop()!;
  const image = await svc.clients.image(ctx.token).image(imageId).catch((e: unknown) => {
    if (e instanceof RemoteApiError && e.status === 404) throw badRequest(`Image ${imageId} could not be found.`);
    throw e;
  });
  if (image.status !== 'active') throw badRequest(`Image ${imageId} is not active.`);
  const flavor = flavorOf(row);
  if ((image.min_ram ?? 0) > flavor.memory_mb) throw badRequest("Flavor's memory is too small for requested image.");
  if (flavor.root_gb > 0 && (image.min_disk ?? 0) > flavor.root_gb) throw badRequest("Flavor's disk is too small for requested image.");
  const key = r.key_name ? await getKeyPair(svc, row.user_id, r.key_name).catch(() => { throw badRequest('Invalid key_name provided.'); }) : undefined;
  await beginTask(svc, row, 'rebuild', [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR], null);
  if (!row.host) throw conflict(`Instance ${row.uuid} is not ready`);
  await beginTask(svc, row, 'rebuild', [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR], TaskState.REBUILDING);
  await startAction(svc, row.uuid, 'rebuild', { requestId: request.id, userId: ctx.userId, projectId: ctx.projectId ?? row.project_id });
  await updateInstance(svc, row.uuid, {
    image_ref: imageId, ...(r.name !== undefined ? { display_name: r.name } : {}), ...(r.description !== undefined && v.atLeast('2.19') ? { display_description: r.description } : {}),
    ...(r.accessIPv4 !== undefined ? { access_ip_v4: r.accessIPv4 ? checkIpv4(r.accessIPv4) : null } : {}),
    ...(r.accessIPv6 !== undefined ? { access_ip_v6: r.accessIPv6 ? checkIpv6(r.accessIPv6) : null } : {}),
    ...(r.key_name !== undefined ? { key_name: key?.name ?? null, key_data: key?.public_key ?? null } : {}),
    ...(r.user_data !== undefined ? { user_data: r.user_data } : {}),
    system_metadata: JSON.stringify(rebuiltSystemMetadata(systemMetadataOf(row), r['OS-DCF:diskConfig'], image as unknown as Record<string, unknown>, imageId, injected)),
  });
  if (r.metadata !== undefined) {
    await svc.db.deleteFrom('instance_metadata').where('instance_uuid', '=', row.uuid).execute();
    const entries = Object.entries(r.metadata);
    if (entries.length) await svc.db.insertInto('instance_metadata').values(entries.map(([k, value]) => ({ instance_uuid: row.uuid, key: k, value }))).execute();
  }
  const updated = await getInstance(svc, ctx, row.uuid);
  const req: RebuildRequest = {
    uuid: row.uuid, requestId: request.id, name: updated.display_name, hostname: updated.hostname, flavor, imageRef: imageId,
    userData: updated.user_data, keyData: updated.key_data, wasStopped: row.vm_state === VmState.STOPPED,
    vifs: vifsOf(updated),
  };
  await svc.bus.cast({ topic: COMPUTE_TOPIC, server: row.host }, 'rebuild_instance', { request: { ...req } });
  const view = serverView(svc, request, updated, await extrasFor(svc, [updated]), svc.isAdmin(ctx), !v.atLeast('2.75'));
  // The rebuild answer names the key (2.54) and user data (2.57) it used, even in the core view.
  if (v.atLeast('2.54')) view.key_name = updated.key_name;
  if (v.atLeast('2.57')) {
    view.user_data = updated.user_data;
    delete view['OS-EXT-SRV-ATTR:user_data'];
  }
  return reply.status(202).send({ server: { ...view, adminPass: r.adminPass ?? generatePassword() } });
}
