import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImageFormatError, StreamingFormatInspector, type Inspection } from '../formats/index.js';
import type { ImageDataStore } from '../store/data-store.js';
import { ParallelHasher } from './parallel-hasher.js';

/** What a completed copy of image bytes into a store produced. */
export interface StoredData {
  location: string;
  size: number;
  md5: string;
  sha512: string;
  /** The format inspection, or the error that made the data uninspectable. */
  inspection: Inspection | ImageFormatError | undefined;
}

/** Thrown when the stream carries more bytes than it was allowed to. */
export class TooManyBytes extends Error {
  constructor(readonly limit: number, readonly seen: number) {
    super(`stream exceeded ${limit} bytes`);
  }
}

/**
 * Counts, hashes (md5 for `checksum`, sha512 for `os_hash_value`) and inspects every
 * chunk on its way to the store, so the data is read exactly once and never held in
 * memory beyond the stream's own buffers.
 */
class Meter extends Transform {
  size = 0;
  readonly hasher = new ParallelHasher();

  constructor(private readonly maxBytes: number, private readonly inspector: StreamingFormatInspector | undefined) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return done(new TooManyBytes(this.maxBytes, this.size));
    try {
      this.inspector?.write(chunk);
    } catch (e) {
      return done(e as Error);
    }
    this.hasher.update(chunk).then(() => done(null, chunk), done);
  }
}

export interface CopyOptions {
  /** Largest number of bytes accepted; more fails the copy with TooManyBytes. */
  maxBytes: number;
  /** Inspect the format on the way (image data, not staging). */
  inspector?: StreamingFormatInspector;
  /** Last word before the data becomes durable: throwing here leaves nothing stored. */
  beforeCommit?: (data: Omit<StoredData, 'location'>) => void;
}

/**
 * Streams `source` into a new object of `store`. On any failure nothing is left in the
 * store and the error is rethrown; on success the data is durable at `location`.
 */
export async function copyIntoStore(source: Readable, store: ImageDataStore, imageId: string, options: CopyOptions): Promise<StoredData> {
  const writer = await store.createWriter(imageId);
  const meter = new Meter(options.maxBytes, options.inspector);
  try {
    await pipeline(source, meter, writer.stream);
    const data = { size: meter.size, ...(await meter.hasher.digest()), inspection: inspect(options.inspector) };
    options.beforeCommit?.(data);
    const location = await writer.commit();
    return { location, ...data };
  } catch (e) {
    meter.hasher.abort();
    await writer.abort();
    throw e;
  }
}

function inspect(inspector: StreamingFormatInspector | undefined): Inspection | ImageFormatError | undefined {
  if (!inspector) return undefined;
  try {
    return inspector.finish();
  } catch (e) {
    if (e instanceof ImageFormatError) return e;
    throw e;
  }
}
