import { RemoteApiError } from '../../core/http/index.js';
import type { InstanceChanges } from './instances.js';
import type { InstanceRow } from '../db/schema.js';
import { badRequest, conflict } from '../errors.js';
import type { RebuildRequest } from '../manager/operations/rebuild.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { actorOf, startAction, type Caller } from './instance-actions.js';
import { flavorOf, systemMetadataOf, withDiskConfig } from './instance-model.js';
import { vifsOf } from './instance-spec.js';
import { beginTask, getInstance, updateInstance } from './instances.js';
import { getKeyPair } from './keypairs.js';
import { checkInjectedFiles, limitsFor } from './quotas.js';
import { TaskState, VmState } from './states.js';

/** What a rebuild may change besides the image (already checked for form and microversion by the API). */
export interface RebuildInput {
  imageId: string;
  /** Field changes of the instance row itself (name, description, access IPs, user data). */
  changes: InstanceChanges;
  /** undefined: keep the key; null: drop it; a name: that key pair of the owner. */
  keyName?: string | null;
  metadata?: Record<string, string>;
  diskConfig?: 'AUTO' | 'MANUAL';
  personality?: Array<{ path: string; contents: string }>;
}

/**
 * Nova's rebuild: the new image must be active and fit the flavor, the key pair must be
 * the owner's, injected files fit the quotas; then REBUILDING and the host destroys and
 * spawns the guest again with the same ports. Answers the updated instance.
 */
export async function startRebuild(svc: ComputeService, caller: Caller, row: InstanceRow, input: RebuildInput): Promise<InstanceRow> {
  const injected = input.personality !== undefined ? checkInjectedFiles(await limitsFor(svc, row.project_id, row.user_id), input.personality) : undefined;
  const image = await svc.clients.image(caller.ctx.token).image(input.imageId).catch((e: unknown) => {
    if (e instanceof RemoteApiError && e.status === 404) throw badRequest(`Image ${input.imageId} could not be found.`);
    throw e;
  });
  if (image.status !== 'active') throw badRequest(`Image ${input.imageId} is not active.`);
  const flavor = flavorOf(row);
  if ((image.min_ram ?? 0) > flavor.memory_mb) throw badRequest("Flavor's memory is too small for requested image.");
  if (flavor.root_gb > 0 && (image.min_disk ?? 0) > flavor.root_gb) throw badRequest("Flavor's disk is too small for requested image.");
  const key = input.keyName ? await getKeyPair(svc, row.user_id, input.keyName).catch(() => { throw badRequest('Invalid key_name provided.'); }) : undefined;
  const states = [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR];
  await beginTask(svc, row, 'rebuild', states, null);
  if (!row.host) throw conflict(`Instance ${row.uuid} is not ready`);
  await beginTask(svc, row, 'rebuild', states, TaskState.REBUILDING);
  await startAction(svc, row.uuid, 'rebuild', actorOf(caller, row));
  const sysmeta = input.diskConfig !== undefined ? withDiskConfig(systemMetadataOf(row), input.diskConfig, image as unknown as Record<string, unknown>, input.imageId) : systemMetadataOf(row);
  if (injected !== undefined) sysmeta.injected_files = JSON.stringify(injected);
  await updateInstance(svc, row.uuid, {
    ...input.changes, image_ref: input.imageId, system_metadata: JSON.stringify(sysmeta),
    ...(input.keyName !== undefined ? { key_name: key?.name ?? null, key_data: key?.public_key ?? null } : {}),
  });
  if (input.metadata !== undefined) {
    await svc.db.deleteFrom('instance_metadata').where('instance_uuid', '=', row.uuid).execute();
    const entries = Object.entries(input.metadata);
    if (entries.length) await svc.db.insertInto('instance_metadata').values(entries.map(([k, value]) => ({ instance_uuid: row.uuid, key: k, value }))).execute();
  }
  const updated = await getInstance(svc, caller.ctx, row.uuid);
  const req: RebuildRequest = {
    uuid: row.uuid, requestId: caller.requestId, name: updated.display_name, hostname: updated.hostname, flavor, imageRef: input.imageId,
    userData: updated.user_data, keyData: updated.key_data, wasStopped: row.vm_state === VmState.STOPPED, configDrive: Boolean(updated.config_drive), vifs: vifsOf(updated),
  };
  await svc.bus.cast({ topic: COMPUTE_TOPIC, server: row.host }, 'rebuild_instance', { request: { ...req } });
  return updated;
}
