import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
  const dir = await mkdtemp(join(tmpdir(), 'stratus-snapshot-'));
  try {
    await conductor.update(req.uuid, { task_state: TaskState.IMAGE_PENDING_UPLOAD }, [TaskState.IMAGE_SNAPSHOT, TaskState.IMAGE_BACKUP]);
    const file = join(dir, 'disk');
    await deps.driver.snapshot(req.uuid, file);
    await conductor.update(req.uuid, { task_state: TaskState.IMAGE_UPLOADING }, [TaskState.IMAGE_PENDING_UPLOAD]);
    await deps.image.upload(req.imageId, await readFile(file));
    if (req.backup) await rotateBackups(deps.image, req.uuid, req.backup.type, req.backup.rotation);
    await conductor.update(req.uuid, { task_state: null }, [TaskState.IMAGE_UPLOADING]);
    await conductor.eventFinish(req.uuid, req.requestId, event);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    deps.log.warn({ err: e, instance: req.uuid }, 'snapshot failed');
    await deps.image.deleteImage(req.imageId).catch(() => undefined);
    await conductor.update(req.uuid, { task_state: null }, [TaskState.IMAGE_SNAPSHOT, TaskState.IMAGE_BACKUP, TaskState.IMAGE_PENDING_UPLOAD, TaskState.IMAGE_UPLOADING]);
    await conductor.eventFinish(req.uuid, req.requestId, event, message);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function rotateBackups(image: ImageClient, uuid: string, type: string, rotation: number): Promise<void> {
  const backups = (await image.images({ instance_uuid: uuid, image_type: 'backup', backup_type: type, sort: 'created_at:desc' }));
  for (const old of backups.slice(rotation)) await image.deleteImage(old.id);
}
