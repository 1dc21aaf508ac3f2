import { CommandFailed, runCommand } from '../../../core/exec.js';
import { DriverError } from '../driver.js';

/** What `qemu-img info` says of a disk file. */
export interface DiskInfo {
  format: string;
  virtualSize: number;
  backingFile: string | null;
  dataFile: string | null;
}

const GiB = 1024 ** 3;

async function qemuImg(args: string[], timeoutMs = 300_000): Promise<string> {
  try {
    return await runCommand('qemu-img', args, { timeoutMs });
  } catch (e) {
    if (e instanceof CommandFailed) throw new DriverError(`qemu-img ${args[0]} failed: ${e.stderr.trim()}`);
    throw e;
  }
}

/**
 * Reads a disk with the format it claims (`-f`), never letting qemu-img guess: a guess
 * is how a raw image posing as qcow2 gets a backing file read.
 */
export async function imageInfo(path: string, format: string): Promise<DiskInfo> {
  const info = JSON.parse(await qemuImg(['info', '--output=json', '-f', format, path])) as Record<string, unknown>;
  const specific = (info['format-specific'] as { data?: { 'data-file'?: string } } | undefined)?.data;
  return {
    format: String(info['format']),
    virtualSize: Number(info['virtual-size']),
    backingFile: typeof info['backing-filename'] === 'string' ? info['backing-filename'] : null,
    dataFile: typeof specific?.['data-file'] === 'string' ? specific['data-file'] : null,
  };
}

/** A qcow2 overlay on a cached base image, grown to `sizeBytes` when that is more than the base (the root disk of a flavor). */
export async function createOverlay(path: string, base: string, baseFormat: string, sizeBytes: number | null): Promise<void> {
  await qemuImg(['create', '-q', '-f', 'qcow2', '-F', baseFormat, '-b', base, path, ...(sizeBytes ? [String(sizeBytes)] : [])]);
}

/** A standalone copy of a disk (its overlay chain flattened), for a snapshot or shelve upload. */
export async function convertImage(source: string, sourceFormat: string, target: string, targetFormat: string): Promise<void> {
  await qemuImg(['convert', '-f', sourceFormat, '-O', targetFormat, source, target]);
}

/** Grows a disk to `sizeBytes`; never shrinks (a resize to a smaller disk is refused before it gets here). */
export async function growDisk(path: string, format: string, sizeBytes: number): Promise<void> {
  const info = await imageInfo(path, format);
  if (info.virtualSize < sizeBytes) await qemuImg(['resize', '-q', '-f', format, path, String(sizeBytes)]);
}

/** Puts `path` on `base` keeping what the guest sees: the differences from the old backing file (which must be readable) are written into `path`. */
export async function rebaseSafe(path: string, base: string, baseFormat: string): Promise<void> {
  await qemuImg(['rebase', '-q', '-f', 'qcow2', '-F', baseFormat, '-b', base, path]);
}

/** Points an overlay at another copy of the same base (`rebase -u`: no data is compared or copied). */
export async function rebaseUnsafe(path: string, base: string, baseFormat: string): Promise<void> {
  await qemuImg(['rebase', '-q', '-u', '-f', 'qcow2', '-F', baseFormat, '-b', base, path]);
}

export const gib = (n: number): number => n * GiB;
