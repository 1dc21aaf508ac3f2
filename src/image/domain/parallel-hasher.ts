import { Worker } from 'node:worker_threads';

/**
 * md5 + sha512 of a stream, computed on a worker thread. Together they cost about as
 * much CPU per byte as writing to the disk does, so hashing on the thread that also
 * reads the socket and writes the file would cap uploads well below disk speed.
 *
 * Bytes reach the worker through a fixed ring of slots in one SharedArrayBuffer: the
 * stream copies into a free slot and posts its number, the worker hashes it in place
 * and hands the slot back. Nothing is allocated per chunk, so memory stays at the ring's
 * size however large the image (transferring fresh buffers instead let garbage pile up
 * to ~80 MB per upload), and a full ring makes `update` wait: backpressure.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ring = new Uint8Array(workerData.ring);
const md5 = createHash('md5');
const sha512 = createHash('sha512');
parentPort.on('message', (m) => {
  if (m.type === 'data') {
    const bytes = ring.subarray(m.slot * workerData.slotSize, m.slot * workerData.slotSize + m.length);
    md5.update(bytes);
    sha512.update(bytes);
    parentPort.postMessage({ type: 'free', slot: m.slot });
  } else if (m.type === 'end') {
    parentPort.postMessage({ type: 'digest', md5: md5.digest('hex'), sha512: sha512.digest('hex') });
  }
});
`;

const SLOT_SIZE = 1024 * 1024;
const SLOTS = 4;

export class ParallelHasher {
  private readonly ring = new SharedArrayBuffer(SLOT_SIZE * SLOTS);
  private readonly view = new Uint8Array(this.ring);
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ring: this.ring, slotSize: SLOT_SIZE } });
  private readonly free: number[] = Array.from({ length: SLOTS }, (_, i) => i);
  /** The slot being filled and how much of it is used. */
  private current: { slot: number; used: number } | undefined;
  private waiters: Array<() => void> = [];
  private failure: Error | undefined;
  private readonly result: Promise<{ md5: string; sha512: string }>;

  constructor() {
    this.result = new Promise((resolve, reject) => {
      this.worker.on('message', (m: { type: string; slot?: number; md5?: string; sha512?: string }) => {
        if (m.type === 'free') {
          this.free.push(m.slot ?? 0);
          this.waiters.shift()?.();
        } else if (m.type === 'digest') {
          resolve({ md5: m.md5 ?? '', sha512: m.sha512 ?? '' });
          void this.worker.terminate();
        }
      });
      this.worker.on('error', (e) => {
        this.failure = e;
        for (const wake of this.waiters.splice(0)) wake();
        reject(e);
      });
    });
    // Nobody may be awaiting yet when the worker fails; update/digest report it.
    this.result.catch(() => undefined);
  }

  /** Copies bytes into the ring for hashing; waits only while every slot is busy. */
  async update(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.failure) throw this.failure;
      if (!this.current) {
        while (this.free.length === 0 && !this.failure) await new Promise<void>((r) => this.waiters.push(r));
        if (this.failure) throw this.failure;
        this.current = { slot: this.free.shift()!, used: 0 };
      }
      const { slot, used } = this.current;
      const n = Math.min(SLOT_SIZE - used, chunk.length - offset);
      this.view.set(chunk.subarray(offset, offset + n), slot * SLOT_SIZE + used);
      this.current.used += n;
      offset += n;
      if (this.current.used === SLOT_SIZE) this.send();
    }
  }

  async digest(): Promise<{ md5: string; sha512: string }> {
    if (this.failure) throw this.failure;
    this.send();
    this.worker.postMessage({ type: 'end' });
    return this.result;
  }

  /** Stops the worker without a result (the copy failed). */
  abort(): void {
    void this.worker.terminate();
  }

  private send(): void {
    if (!this.current || this.current.used === 0) return;
    this.worker.postMessage({ type: 'data', slot: this.current.slot, length: this.current.used });
    this.current = undefined;
  }
}
