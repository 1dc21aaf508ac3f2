import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StoredDataNotFound, type DataWriter, type ImageDataStore } from './data-store.js';

/** Larger writes than the socket's 64 KiB chunks cut syscalls on big uploads. */
const WRITE_HIGH_WATER_MARK = 1024 * 1024;
const READ_HIGH_WATER_MARK = 1024 * 1024;

/**
 * Image data as files in one directory, glance_store's filesystem driver. A write goes
 * to a hidden temp file, is fdatasync'ed, then renamed into place (and the directory
 * synced), so a crash leaves either the whole image or nothing under its name.
 */
export class FilesystemStore implements ImageDataStore {
  readonly description = 'Filesystem store';
  private readonly dir: string;

  constructor(readonly id: string, dir: string) {
    this.dir = resolve(dir);
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o750 });
    await this.sweepTemporaries();
  }

  async createWriter(imageId: string): Promise<DataWriter> {
    await mkdir(this.dir, { recursive: true, mode: 0o750 });
    const final = join(this.dir, safeName(imageId));
    const temp = join(this.dir, `.${safeName(imageId)}.${randomBytes(6).toString('hex')}.part`);
    // `flush` fsyncs the file before the stream closes, and the pipeline that feeds the
    // stream resolves only after that close: commit() then just renames it into place.
    const stream = createWriteStream(temp, { flags: 'wx', mode: 0o640, flush: true, highWaterMark: WRITE_HIGH_WATER_MARK });
    let settled = false;
    return {
      stream,
      commit: async () => {
        settled = true;
        if (!stream.closed) await new Promise<void>((resolve, reject) => { stream.once('close', resolve); stream.once('error', reject); stream.end(); });
        await rename(temp, final);
        await this.syncDirectory();
        return this.locationFor(imageId);
      },
      abort: async () => {
        if (settled) return;
        settled = true;
        stream.destroy();
        await rm(temp, { force: true });
      },
    };
  }

  locationFor(imageId: string): string {
    return pathToFileURL(join(this.dir, safeName(imageId))).href;
  }

  async open(location: string, range?: { start: number; end: number }): Promise<Readable> {
    const path = this.pathOf(location);
    try {
      await stat(path);
    } catch {
      throw new StoredDataNotFound(`image data not found at ${location}`);
    }
    return createReadStream(path, { highWaterMark: READ_HIGH_WATER_MARK, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async delete(location: string): Promise<void> {
    await rm(this.pathOf(location), { force: true });
  }

  /** Only files inside this store's directory are ever read or removed. */
  private pathOf(location: string): string {
    const path = resolve(fileURLToPath(location));
    if (!path.startsWith(`${this.dir}/`)) throw new StoredDataNotFound(`location ${location} is outside the ${this.id} store`);
    return path;
  }

  private async syncDirectory(): Promise<void> {
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** Temp files left by a crash mid-upload belong to no image: remove them at start. */
  private async sweepTemporaries(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (name.startsWith('.') && name.endsWith('.part')) await rm(join(this.dir, name), { force: true });
    }
  }
}

/** Image ids are UUIDs; anything else is refused before it can name a path. */
function safeName(imageId: string): string {
  if (!/^[0-9a-zA-Z-]{1,64}$/.test(imageId)) throw new Error(`unsafe image id ${imageId}`);
  return imageId;
}
