/**
 * The image files the image cases upload. Stratus inspects every upload and refuses
 * content that does not match its disk_format, so the qcow2 files must be real qcow2:
 * made by `qemu-img create` when it is installed, else written byte for byte here
 * (the layout qemu-img itself uses for a small empty image).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { run } from '../lib/proc.js';
import { tools } from '../lib/tools.js';

const CLUSTER_BITS = 16;
const CLUSTER = 1 << CLUSTER_BITS;
const HEADER_V3_LENGTH = 104;

export interface Qcow2Options {
  /** Bytes the guest sees (the header's `size`). */
  virtualSize: number;
  /** When set, the header names this backing file (stored at offset 512), which Stratus must refuse. */
  backingFile?: string;
}

/**
 * A complete, valid qcow2 v3 image with no data clusters: header in cluster 0, the
 * refcount table in cluster 1, its one refcount block in cluster 2, the L1 table
 * (all zero: nothing allocated) in cluster 3.
 */
export function qcow2Image(opts: Qcow2Options): Buffer {
  const b = Buffer.alloc(4 * CLUSTER);
  const l2Coverage = (CLUSTER / 8) * CLUSTER;
  b.writeUInt32BE(0x514649fb, 0); // magic "QFI\xfb"
  b.writeUInt32BE(3, 4); // version
  if (opts.backingFile !== undefined) {
    const name = Buffer.from(opts.backingFile, 'utf8');
    b.writeBigUInt64BE(512n, 8); // backing_file_offset
    b.writeUInt32BE(name.length, 16); // backing_file_size
    name.copy(b, 512);
  }
  b.writeUInt32BE(CLUSTER_BITS, 20);
  b.writeBigUInt64BE(BigInt(opts.virtualSize), 24); // size
  b.writeUInt32BE(0, 32); // crypt_method
  b.writeUInt32BE(Math.max(1, Math.ceil(opts.virtualSize / l2Coverage)), 36); // l1_size
  b.writeBigUInt64BE(BigInt(3 * CLUSTER), 40); // l1_table_offset
  b.writeBigUInt64BE(BigInt(CLUSTER), 48); // refcount_table_offset
  b.writeUInt32BE(1, 56); // refcount_table_clusters
  b.writeUInt32BE(0, 60); // nb_snapshots
  b.writeBigUInt64BE(0n, 64); // snapshots_offset
  b.writeBigUInt64BE(0n, 72); // incompatible_features
  b.writeBigUInt64BE(0n, 80); // compatible_features
  b.writeBigUInt64BE(0n, 88); // autoclear_features
  b.writeUInt32BE(4, 96); // refcount_order: 16-bit refcounts
  b.writeUInt32BE(HEADER_V3_LENGTH, 100); // header_length; the zeros after it end the extensions
  b.writeBigUInt64BE(BigInt(2 * CLUSTER), CLUSTER); // refcount table[0] -> refcount block
  for (let cluster = 0; cluster < 4; cluster++) b.writeUInt16BE(1, 2 * CLUSTER + cluster * 2);
  return b;
}

/**
 * Writes an empty qcow2 of `virtualSize` bytes to `path` and returns its bytes: with
 * qemu-img when it is installed, else qcow2Image(). Says which in `madeBy`.
 */
export async function makeQcow2(path: string, virtualSize: number): Promise<{ bytes: Buffer; madeBy: string }> {
  const r = await run(tools.qemuImg, ['create', '-q', '-f', 'qcow2', path, String(virtualSize)], { timeoutMs: 60_000 });
  if (!r.spawnError && r.code === 0) return { bytes: readFileSync(path), madeBy: 'qemu-img' };
  if (!r.spawnError) throw new Error(`qemu-img create failed: ${r.stderr.trim()}`);
  const bytes = qcow2Image({ virtualSize });
  writeFileSync(path, bytes);
  return { bytes, madeBy: 'the test (qcow2 v3 header)' };
}

/**
 * `size` bytes of a fixed pattern that no format detector recognises (no magic at any
 * offset a detector looks at), i.e. a raw disk image; `seed` makes different files.
 */
export function rawBytes(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7 + (i >> 9)) % 251;
  return b;
}
