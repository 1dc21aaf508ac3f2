import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../core/log.js';
import type { ImageClient } from '../../../image/contract/client.js';
import { TaskState } from '../../domain/states.js';
import type { VirtDriver } from '../../virt/driver.js';
import type { ConductorApi } from '../conductor-api.js';

/** compute.snapshot_instance: an image record already made by the API, to fill with the disk. */
export interface SnapshotRequest {
  uuid: string;
  requestId: string;
  imageId: string;
  /** Backups of this type beyond `rotation` are deleted, oldest first (createBackup). */
  backup?: { type: string; rotation: number };
}

/**
 * Nova's snapshot on the host: a consistent copy of the root disk written by the
 * driver, uploaded to the image service, then backup rotation. A failure deletes the
 * half-made image and puts the instance back as it was.
 */
export async function snapshotInstance(deps: { driver: VirtDriver; conductor: ConductorApi; image: ImageClient; log: Logger }, req: SnapshotRequest): Promise<void> {
  const event = req.backup ? 'compute_backup_instance' : 'compute_snapshot_instance';
  const { conductor } = deps;
  await conductor.eventStart(req.uuid, req.requestId, event);
  try {
    await conductor.update(req.uuid, { task_state: TaskState.IMAGE_PENDING_UPLOAD }, [TaskState.IMAGE_SNAPSHOT, TaskState.IMAGE_BACKUP]);
    await captureDisk(deps, req.uuid, req.imageId, () => conductor.update(req.uuid, { task_state: TaskState.IMAGE_UPLOADING }, [TaskState.IMAGE_PENDING_UPLOAD]));
    if (req.backup) await rotateBackups(deps.image, req.uuid, req.backup.type, req.backup.rotation);
    await conductor.update(req.uuid, { task_state: null }, [TaskState.IMAGE_UPLOADING]);
    await conductor.eventFinish(req.uuid, req.requestId, event);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    deps.log.warn({ err: e, instance: req.uuid }, 'snapshot failed');
    await deps.image.deleteImage(req.imageId).catch(() => undefined);
    await conductor.update(req.uuid, { task_state: null }, [TaskState.IMAGE_SNAPSHOT, TaskState.IMAGE_BACKUP, TaskState.IMAGE_PENDING_UPLOAD, TaskState.IMAGE_UPLOADING]);
    await conductor.eventFinish(req.uuid, req.requestId, event, message);
  }
}

/**
 * The driver's consistent copy of the root disk, uploaded into an image record made
 * beforehand (createImage, createBackup, shelve). `uploading` runs between the two, so
 * each caller shows its own task state. The temporary copy never outlives the call.
 */
export async function captureDisk(deps: { driver: VirtDriver; image: ImageClient }, uuid: string, imageId: string, uploading: () => Promise<unknown>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'stratus-snapshot-'));
  try {
    const file = join(dir, 'disk');
    const { diskFormat } = await deps.driver.snapshot(uuid, file);
    await uploading();
    // The record was made before the disk existed: it takes the format the driver wrote.
    const record = await deps.image.image(imageId);
    if (record.disk_format !== diskFormat) await deps.image.patchImage(imageId, [{ op: record.disk_format ? 'replace' : 'add', path: '/disk_format', value: diskFormat }]);
    await deps.image.uploadFile(imageId, file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function rotateBackups(image: ImageClient, uuid: string, type: string, rotation: number): Promise<void> {
  const backups = (await image.images({ instance_uuid: uuid, image_type: 'backup', backup_type: type, sort: 'created_at:desc' }));
  for (const old of backups.slice(rotation)) await image.deleteImage(old.id);
}
