import type { Logger } from '../../../core/log.js';
import type { ImageClient } from '../../../image/contract/client.js';
import type { NetworkClient } from '../../../network/contract/client.js';
import { TaskState } from '../../domain/states.js';
import type { InstanceSpec, VifInfo, VirtDriver } from '../../virt/driver.js';
import type { ConductorApi } from '../conductor-api.js';
import { captureDisk } from './snapshot.js';
import { bindPorts } from './resize.js';

export interface ShelveDeps {
  host: string;
  driver: VirtDriver;
  conductor: ConductorApi;
  network: NetworkClient;
  image: ImageClient;
  log: Logger;
}

/** compute.shelve_instance: the image record is made by the API; `offload` when shelved_offload_time is 0. */
export interface ShelveRequest {
  uuid: string;
  requestId: string;
  imageId: string;
  offload: boolean;
  vifs: VifInfo[];
}

/** compute.unshelve_instance: boot the shelved image on this host with the instance's ports. */
export interface UnshelveRequest {
  uuid: string;
  requestId: string;
  spec: InstanceSpec;
  vifs: VifInfo[];
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Nova's shelve on the host: the guest stops, its disk becomes the shelved image,
 * the instance is SHELVED; then offloaded at once when so configured. A failure
 * deletes the half-made image and leaves the instance as it was.
 */
export async function shelveInstance(deps: ShelveDeps, req: ShelveRequest): Promise<void> {
  const { conductor } = deps;
  await conductor.eventStart(req.uuid, req.requestId, 'compute_shelve_instance');
  try {
    await deps.driver.powerOff(req.uuid, 60);
    await conductor.update(req.uuid, { task_state: TaskState.SHELVING_IMAGE_PENDING_UPLOAD }, [TaskState.SHELVING]);
    await captureDisk(deps, req.uuid, req.imageId, () => conductor.update(req.uuid, { task_state: TaskState.SHELVING_IMAGE_UPLOADING }, [TaskState.SHELVING_IMAGE_PENDING_UPLOAD]));
    await conductor.shelved(req.uuid, req.imageId);
    await conductor.eventFinish(req.uuid, req.requestId, 'compute_shelve_instance');
  } catch (e) {
    deps.log.warn({ err: e, instance: req.uuid }, 'shelve failed');
    await deps.image.deleteImage(req.imageId).catch(() => undefined);
    await deps.driver.powerOn(req.uuid).catch(() => undefined);
    await conductor.update(req.uuid, { task_state: null }, [TaskState.SHELVING, TaskState.SHELVING_IMAGE_PENDING_UPLOAD, TaskState.SHELVING_IMAGE_UPLOADING]);
    await conductor.eventFinish(req.uuid, req.requestId, 'compute_shelve_instance', message(e));
    return;
  }
  if (req.offload) await shelveOffloadInstance(deps, req.uuid, req.requestId, req.vifs);
}

/** Frees the host of a shelved instance: guest gone, ports unbound, claim given back (by the conductor). */
export async function shelveOffloadInstance(deps: ShelveDeps, uuid: string, requestId: string, vifs: VifInfo[]): Promise<void> {
  const { conductor } = deps;
  await conductor.eventStart(uuid, requestId, 'compute_shelve_offload_instance');
  try {
    await conductor.update(uuid, { task_state: TaskState.SHELVING_OFFLOADING }, [null, TaskState.SHELVING_OFFLOADING]);
    await deps.driver.destroy(uuid);
    await bindPorts(deps.network, vifs, '');
    await conductor.offloaded(uuid);
    await conductor.eventFinish(uuid, requestId, 'compute_shelve_offload_instance');
  } catch (e) {
    deps.log.warn({ err: e, instance: uuid }, 'shelve offload failed');
    await conductor.update(uuid, { task_state: null }, [TaskState.SHELVING_OFFLOADING]);
    await conductor.eventFinish(uuid, requestId, 'compute_shelve_offload_instance', message(e));
  }
}

/** Starts a shelved instance again: on its host when still there, else from the shelved image on the host chosen for it. */
export async function unshelveInstance(deps: ShelveDeps, req: UnshelveRequest, offloaded: boolean): Promise<void> {
  const { conductor } = deps;
  await conductor.eventStart(req.uuid, req.requestId, 'compute_unshelve_instance');
  let spawned = false;
  try {
    if (offloaded) {
      await bindPorts(deps.network, req.vifs, deps.host);
      await deps.driver.spawn(req.spec, req.vifs, []);
      spawned = true;
    } else {
      await deps.driver.powerOn(req.uuid);
    }
    await conductor.unshelved(req.uuid);
    // The shelved image has served its purpose, as in Nova.
    if (req.spec.imageId) await deps.image.deleteImage(req.spec.imageId).catch((err: unknown) => deps.log.warn({ err, instance: req.uuid }, 'shelved image not deleted'));
    await conductor.eventFinish(req.uuid, req.requestId, 'compute_unshelve_instance');
  } catch (e) {
    deps.log.warn({ err: e, instance: req.uuid }, 'unshelve failed');
    if (spawned) await deps.driver.destroy(req.uuid).catch(() => undefined);
    if (offloaded) await bindPorts(deps.network, req.vifs, '').catch(() => undefined);
    await conductor.unshelveFailed(req.uuid, req.requestId, message(e));
    await conductor.eventFinish(req.uuid, req.requestId, 'compute_unshelve_instance', message(e));
  }
}
