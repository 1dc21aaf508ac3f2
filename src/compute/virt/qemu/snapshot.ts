import { stat } from 'node:fs/promises';
import { DriverError } from '../driver.js';
import { convertImage } from './qemu-img.js';
import type { QmpClient } from './qmp.js';

/** Snapshots are written as qcow2, Nova's default snapshot_image_format for qcow2 disks. */
const SNAPSHOT_FORMAT = 'qcow2';

/**
 * A consistent, standalone copy of the root disk (its overlay chain flattened) in
 * `target`. A running guest is copied by QEMU itself with a full backup job, which is
 * point-in-time (writes after the start are held back from the copy) and needs no
 * pause; a stopped guest's disk is converted with qemu-img.
 */
export async function snapshotDisk(disk: { root: string; format: string; nodeName: string }, target: string, qmp: QmpClient | null): Promise<{ diskFormat: string; sizeBytes: number }> {
  if (qmp) {
    const jobId = `snapshot-${Date.now()}`;
    const finished = qmp.waitEvent('BLOCK_JOB_COMPLETED', 3_600_000, (d) => d['device'] === jobId || d['id'] === jobId);
    finished.catch(() => undefined);
    await qmp.execute('drive-backup', { 'job-id': jobId, device: disk.nodeName, target, format: SNAPSHOT_FORMAT, sync: 'full', mode: 'absolute-paths', 'auto-dismiss': true });
    const done = await finished;
    if (typeof done.data['error'] === 'string') throw new DriverError(`Snapshot of the disk failed: ${done.data['error']}`);
  } else {
    await convertImage(disk.root, disk.format, target, SNAPSHOT_FORMAT);
  }
  return { diskFormat: SNAPSHOT_FORMAT, sizeBytes: (await stat(target)).size };
}
