import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DriverError } from '../driver.js';
import { convertImage, imageInfo } from './qemu-img.js';

/** What the cache needs of the image service: the record and its data. */
export interface ImageSource {
  image(id: string): Promise<{ id: string; status: string; disk_format: string | null; checksum: string | null; os_hash_algo?: unknown; os_hash_value?: unknown }>;
  download(id: string, path: string): Promise<{ size: number; md5: string; sha256: string; sha512: string }>;
}

/** A base image in the host's cache: the file overlays are made on, and its format. */
export interface CachedImage {
  path: string;
  format: 'raw' | 'qcow2';
  virtualSize: number;
}

/** Formats QEMU boots from as they are; any other disk format is converted to raw once, as Nova's force_raw_images does. */
const DIRECT_FORMATS = new Set(['raw', 'qcow2']);
const CONVERTIBLE_FORMATS = new Set(['vmdk', 'vdi', 'vhd', 'vhdx', 'qed']);

/**
 * The per-host image cache (Nova's instances/_base): each image fetched from the image
 * service once, its digests checked against the record, its real format checked against
 * the declared one (a "raw" image that is really qcow2 with a backing file could make
 * QEMU read any host file), then shared read-only by the overlays of every instance.
 * Concurrent spawns of one image wait for the same download.
 */
export class ImageCache {
  private readonly inFlight = new Map<string, Promise<CachedImage>>();

  constructor(private readonly dir: string, private readonly images: ImageSource) {}

  ensure(imageId: string): Promise<CachedImage> {
    let pending = this.inFlight.get(imageId);
    if (!pending) {
      pending = this.fetch(imageId).finally(() => this.inFlight.delete(imageId));
      this.inFlight.set(imageId, pending);
    }
    return pending;
  }

  private async fetch(imageId: string): Promise<CachedImage> {
    const known = await this.cached(imageId);
    if (known) return known;
    const image = await this.images.image(imageId);
    if (image.status !== 'active') throw new DriverError(`Image ${imageId} is unacceptable: status is not active`);
    const declared = image.disk_format ?? 'raw';
    if (!DIRECT_FORMATS.has(declared) && !CONVERTIBLE_FORMATS.has(declared)) {
      throw new DriverError(`Image ${imageId} is unacceptable: disk format ${declared} cannot be booted`);
    }
    await mkdir(this.dir, { recursive: true });
    const part = join(this.dir, `${imageId}.part-${process.pid}-${Date.now()}`);
    try {
      const got = await this.images.download(imageId, part);
      checkDigests(imageId, image, got);
      const info = await imageInfo(part, declared);
      if (info.backingFile || info.dataFile) throw new DriverError(`Image ${imageId} is unacceptable: it refers to other files (backing or data file)`);
      if (!DIRECT_FORMATS.has(declared)) {
        const raw = `${part}.raw`;
        await convertImage(part, declared, raw, 'raw');
        await rm(part, { force: true });
        await rename(raw, this.pathOf(imageId, 'raw'));
      } else {
        await rename(part, this.pathOf(imageId, declared as CachedImage['format']));
      }
    } finally {
      await rm(part, { force: true });
      await rm(`${part}.raw`, { force: true });
    }
    const stored = await this.cached(imageId);
    if (!stored) throw new DriverError(`Image ${imageId} vanished from the cache after download`);
    return stored;
  }

  private pathOf(imageId: string, format: CachedImage['format']): string {
    return join(this.dir, `${imageId}.${format}`);
  }

  private async cached(imageId: string): Promise<CachedImage | null> {
    for (const format of ['qcow2', 'raw'] as const) {
      const path = this.pathOf(imageId, format);
      if (await stat(path).then(() => true, () => false)) return { path, format, virtualSize: (await imageInfo(path, format)).virtualSize };
    }
    return null;
  }
}

function checkDigests(imageId: string, image: Awaited<ReturnType<ImageSource['image']>>, got: { md5: string; sha256: string; sha512: string }): void {
  if (image.checksum && image.checksum !== got.md5) throw new DriverError(`Image ${imageId} failed verification: checksum ${got.md5} is not ${image.checksum}`, true);
  const algo = typeof image.os_hash_algo === 'string' ? image.os_hash_algo : null;
  const value = typeof image.os_hash_value === 'string' ? image.os_hash_value : null;
  if (algo && value && (algo === 'sha256' || algo === 'sha512') && got[algo] !== value) {
    throw new DriverError(`Image ${imageId} failed verification: ${algo} does not match os_hash_value`, true);
  }
}
