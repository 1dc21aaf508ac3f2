import type { Readable, Writable } from 'node:stream';

/**
 * Where image bytes live. The filesystem store is the default; the object store will
 * implement the same interface. Writers never expose half-written data: bytes go to
 * `stream`, and only `commit()` makes them readable at the returned location.
 */
export interface ImageDataStore {
  /** Store id shown in /v2/info/stores and the image's `stores` attribute. */
  readonly id: string;
  readonly description: string;
  createWriter(imageId: string): Promise<DataWriter>;
  /** The location committed data of this image gets (predictable, so staging can find it). */
  locationFor(imageId: string): string;
  /** Streams stored bytes; `range` is inclusive at both ends, as in HTTP. */
  open(location: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Removes stored data; removing what is already gone is not an error. */
  delete(location: string): Promise<void>;
}

export interface DataWriter {
  readonly stream: Writable;
  /** Makes the written bytes durable and visible; returns their location. */
  commit(): Promise<string>;
  /** Drops everything written; safe to call after a failed or partial write. */
  abort(): Promise<void>;
}

export class StoredDataNotFound extends Error {}
