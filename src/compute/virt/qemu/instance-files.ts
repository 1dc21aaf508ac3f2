import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttachedVolume } from './volumes.js';
import type { InstanceSpec, VifInfo } from '../driver.js';

/**
 * Where an instance's files live: `<instances_path>/<uuid>/`, Nova's layout (disk,
 * disk.eph0, disk.swap, disk.config, console.log) plus the QEMU control files.
 */
export class InstancePaths {
  constructor(readonly dir: string) {}

  static of(instancesPath: string, uuid: string): InstancePaths {
    return new InstancePaths(join(instancesPath, uuid));
  }

  get record(): string { return join(this.dir, 'instance.json'); }
  get root(): string { return join(this.dir, 'disk'); }
  get ephemeral(): string { return join(this.dir, 'disk.eph0'); }
  get swap(): string { return join(this.dir, 'disk.swap'); }
  get configDrive(): string { return join(this.dir, 'disk.config'); }
  get rescueRoot(): string { return join(this.dir, 'disk.rescue'); }
  get console(): string { return join(this.dir, 'console.log'); }
  get qmp(): string { return join(this.dir, 'qmp.sock'); }
  get pidFile(): string { return join(this.dir, 'qemu.pid'); }
  /** The guest's memory and device state while suspended (Nova's managed save). */
  get savedState(): string { return join(this.dir, 'memory.save'); }
  /** What QEMU printed before it daemonized or when it died. */
  get qemuLog(): string { return join(this.dir, 'qemu.log'); }
}

/**
 * What the driver remembers of an instance, on disk so that a restarted agent can
 * reattach to its QEMU, start it again after a stop, and clean up what it made.
 */
export interface InstanceRecord {
  spec: InstanceSpec;
  vifs: VifInfo[];
  /** Format of `disk` (always qcow2 overlays today) and of the base it sits on. */
  rootFormat: 'qcow2';
  hasEphemeral: boolean;
  hasSwap: boolean;
  hasConfigDrive: boolean;
  /** Taps the driver had to make itself because no dataplane made them: it removes them with the instance. */
  ownTaps: string[];
  /** Booted from the rescue image with `disk` attached second (rescue/unrescue). */
  rescued: boolean;
  /** Volumes attached, in order (absent in records written before volumes could attach). */
  volumes?: AttachedVolume[];
}

export async function readRecord(paths: InstancePaths): Promise<InstanceRecord | null> {
  try {
    return JSON.parse(await readFile(paths.record, 'utf8')) as InstanceRecord;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Written whole and renamed into place, so a crash never leaves half a record. */
export async function writeRecord(paths: InstancePaths, record: InstanceRecord): Promise<void> {
  const temp = `${paths.record}.tmp`;
  await writeFile(temp, `${JSON.stringify(record, null, 1)}\n`);
  await rename(temp, paths.record);
}
