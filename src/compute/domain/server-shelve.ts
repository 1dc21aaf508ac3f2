import type { InstanceRow } from '../db/schema.js';
import { badRequest, conflict } from '../errors.js';
import { COMPUTE_TOPIC, CONDUCTOR_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import type { ShelveRequest } from '../manager/operations/shelve.js';
import { knownZones } from './availability-zones.js';
import { computeHostExists } from './compute-nodes.js';
import { actorOf, startAction, type Caller } from './instance-actions.js';
import { vifsOf } from './instance-spec.js';
import { beginTask } from './instances.js';
import { TaskState, VmState } from './states.js';

/**
 * shelve: the image `<name>-shelved` is made with the caller's token (it belongs to
 * their project, as in Nova), then the host stops the guest and fills it.
 */
export async function startShelve(svc: ComputeService, caller: Caller, row: InstanceRow): Promise<void> {
  const states = [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED];
  await beginTask(svc, row, 'shelve', states, null);
  if (!row.host) throw conflict(`Instance ${row.uuid} is not ready`);
  const images = svc.clients.image(caller.ctx.token);
  const base = row.image_ref ? await images.image(row.image_ref).catch(() => null) : null;
  const image = await images.createImage({
    name: `${row.display_name}-shelved`, container_format: base?.container_format ?? 'bare', disk_format: base?.disk_format ?? 'raw', visibility: 'private',
    min_disk: base?.min_disk ?? 0, min_ram: base?.min_ram ?? 0, instance_uuid: row.uuid, image_type: 'snapshot', user_id: caller.ctx.userId,
    ...(row.image_ref ? { base_image_ref: row.image_ref } : {}),
  });
  try {
    await beginTask(svc, row, 'shelve', states, TaskState.SHELVING);
  } catch (e) {
    await images.deleteImage(image.id).catch(() => undefined);
    throw e;
  }
  await startAction(svc, row.uuid, 'shelve', actorOf(caller, row));
  const request: ShelveRequest = { uuid: row.uuid, requestId: caller.requestId, imageId: image.id, offload: svc.settings.shelvedOffloadTime === 0, vifs: vifsOf(row) };
  await svc.bus.cast({ topic: COMPUTE_TOPIC, server: row.host }, 'shelve_instance', { request: { ...request } });
}

/** shelveOffload (admins): a SHELVED instance lets go of its host. */
export async function startShelveOffload(svc: ComputeService, caller: Caller, row: InstanceRow): Promise<void> {
  await beginTask(svc, row, 'shelveOffload', [VmState.SHELVED], null);
  if (!row.host) throw conflict(`Instance ${row.uuid} is not ready`);
  await beginTask(svc, row, 'shelveOffload', [VmState.SHELVED], TaskState.SHELVING_OFFLOADING);
  await startAction(svc, row.uuid, 'shelveOffload', actorOf(caller, row));
  await svc.bus.cast({ topic: COMPUTE_TOPIC, server: row.host }, 'shelve_offload_instance', { uuid: row.uuid, request_id: caller.requestId, vifs: [...vifsOf(row)] as never });
}

/**
 * unshelve: started on its host, or scheduled again when offloaded; from 2.77 into
 * another zone, from 2.91 onto a named host (admins) or with the zone unpinned (null).
 */
export async function startUnshelve(svc: ComputeService, caller: Caller, row: InstanceRow, target: { zone?: string | null; host?: string }): Promise<void> {
  await beginTask(svc, row, 'unshelve', [VmState.SHELVED, VmState.SHELVED_OFFLOADED], null);
  if (row.vm_state === VmState.SHELVED && (target.zone !== undefined || target.host !== undefined)) {
    throw conflict(`Specifying an availability zone or a host when unshelving server ${row.uuid} with status SHELVED is not supported. The server status must be SHELVED_OFFLOADED.`);
  }
  if (typeof target.zone === 'string' && !(await knownZones(svc)).has(target.zone)) {
    throw badRequest(`The requested availability zone is not available`);
  }
  if (target.host !== undefined && !(await computeHostExists(svc, target.host))) {
    throw badRequest(`Compute host ${target.host} could not be found.`);
  }
  await beginTask(svc, row, 'unshelve', [VmState.SHELVED, VmState.SHELVED_OFFLOADED], TaskState.UNSHELVING);
  await startAction(svc, row.uuid, 'unshelve', actorOf(caller, row));
  await svc.bus.cast({ topic: CONDUCTOR_TOPIC }, 'unshelve_instance', {
    uuid: row.uuid, request_id: caller.requestId, ...(target.zone !== undefined ? { availability_zone: target.zone } : {}), ...(target.host !== undefined ? { host: target.host } : {}),
  });
}
