/**
 * One detector per disk format. Each looks only at the captured head of the image
 * (see inspector.ts) and, when the bytes are its format, says so with the virtual size
 * and the safety problems found: the checks Glance's format_inspector makes against
 * images that would make qemu read host files (OSSN-0090, CVE-2024-32498).
 */
export type DetectedFormat = 'raw' | 'qcow2' | 'vmdk' | 'vhd' | 'vhdx' | 'vdi' | 'iso' | 'gpt';

export interface Detection {
  format: DetectedFormat;
  /** Bytes the guest sees; null when the header that says it was not in the captured head. */
  virtualSize: number | null;
  /** Safety check name -> why it failed. */
  failures: Record<string, string>;
}

export interface DetectorOptions {
  vmdkAllowedTypes: readonly string[];
}

export type Detector = (head: Buffer, actualSize: number, options: DetectorOptions) => Detection | undefined;

const u64be = (b: Buffer, at: number): number | null => (b.length >= at + 8 ? Number(b.readBigUInt64BE(at)) : null);
const u64le = (b: Buffer, at: number): number | null => (b.length >= at + 8 ? Number(b.readBigUInt64LE(at)) : null);

/** qcow2: magic "QFI\xfb"; a backing file or an external data file lets the image read other files. */
export const qcow2: Detector = (head) => {
  if (head.length < 72 || head.readUInt32BE(0) !== 0x514649fb) return undefined;
  const version = head.readUInt32BE(4);
  const failures: Record<string, string> = {};
  if (version !== 2 && version !== 3) failures['version'] = `unsupported qcow2 version ${version}`;
  if ((u64be(head, 8) ?? 0) !== 0) failures['backing_file'] = 'qcow2 image has a backing file';
  if (version >= 3 && head.length >= 80) {
    const incompatible = head.readBigUInt64BE(72);
    if (incompatible & 0x4n) failures['data_file'] = 'qcow2 image has an external data file';
    // Known incompatible features: dirty, corrupt, external data, compression type, extended L2.
    if (incompatible & ~0x1fn) failures['unknown_features'] = 'qcow2 image has unknown incompatible features';
  }
  return { format: 'qcow2', virtualSize: u64be(head, 24), failures };
};

/** Extent lines of a VMDK descriptor: access, size in sectors, type, and the file named. */
function vmdkExtents(descriptor: string): Array<{ type: string; file: string | undefined }> {
  const extents = [];
  for (const line of descriptor.split('\n')) {
    const m = /^\s*(RW|RDONLY|NOACCESS)\s+\d+\s+(\S+)(?:\s+"([^"]*)")?/.exec(line);
    if (m) extents.push({ type: m[2]!, file: m[3] });
  }
  return extents;
}

function vmdkFailures(descriptor: string, allowed: readonly string[]): Record<string, string> {
  const failures: Record<string, string> = {};
  const createType = /^\s*createType\s*=\s*"([^"]*)"/m.exec(descriptor)?.[1];
  if (createType === undefined || !allowed.includes(createType)) failures['create_type'] = `VMDK create-type ${createType ?? '(none)'} is not allowed`;
  const extents = vmdkExtents(descriptor);
  if (extents.length !== 1) failures['extents'] = `VMDK has ${extents.length} extents; only one, inside the file, is allowed`;
  for (const e of extents) {
    if (e.type !== 'SPARSE') failures['extents'] = `VMDK extent of type ${e.type} points outside the image`;
    if (e.file !== undefined && (e.file.includes('/') || e.file.includes('\\'))) failures['extents'] = `VMDK extent names another file: ${e.file}`;
  }
  return failures;
}

/** vmdk: a sparse header ("KDMV") with an embedded descriptor, or a bare text descriptor. */
export const vmdk: Detector = (head, _size, options) => {
  if (head.length >= 44 && head.readUInt32LE(0) === 0x564d444b) {
    const capacity = u64le(head, 12);
    const descOffset = (u64le(head, 28) ?? 0) * 512;
    const descSize = (u64le(head, 36) ?? 0) * 512;
    if (descOffset === 0 || descSize === 0) return { format: 'vmdk', virtualSize: capacity === null ? null : capacity * 512, failures: { descriptor: 'VMDK has no embedded descriptor' } };
    if (head.length < descOffset + Math.min(descSize, 1)) return { format: 'vmdk', virtualSize: null, failures: { descriptor: 'VMDK descriptor lies beyond the inspected region' } };
    const descriptor = head.subarray(descOffset, Math.min(head.length, descOffset + descSize)).toString('latin1').replace(/\0+$/, '');
    return { format: 'vmdk', virtualSize: capacity === null ? null : capacity * 512, failures: vmdkFailures(descriptor, options.vmdkAllowedTypes) };
  }
  // A descriptor-only VMDK is plain text naming other files: never safe to hand to qemu.
  const text = head.subarray(0, 1024).toString('latin1');
  if (/^\s*# Disk DescriptorFile/.test(text)) {
    return { format: 'vmdk', virtualSize: null, failures: { ...vmdkFailures(head.subarray(0, 65536).toString('latin1'), options.vmdkAllowedTypes), descriptor_only: 'VMDK descriptor file without data' } };
  }
  return undefined;
};

/** vhd (dynamic): the footer copy at offset 0 starts with "conectix"; current size at 48. */
export const vhd: Detector = (head) => {
  if (head.length < 56 || head.toString('latin1', 0, 8) !== 'conectix') return undefined;
  return { format: 'vhd', virtualSize: u64be(head, 48), failures: {} };
};

const METADATA_REGION = Buffer.from('06a27c8b90479a4bb8fe575f050f886e', 'hex');
const VIRTUAL_DISK_SIZE = Buffer.from('2442a52f1bcd7648b2115dbed83bf4b8', 'hex');

/** vhdx: "vhdxfile", a region table at 192 KiB, the virtual disk size in the metadata region. */
export const vhdx: Detector = (head) => {
  if (head.length < 8 || head.toString('latin1', 0, 8) !== 'vhdxfile') return undefined;
  const none = { format: 'vhdx' as const, failures: {} };
  const table = 192 * 1024;
  if (head.length < table + 16 || head.toString('latin1', table, table + 4) !== 'regi') return { ...none, virtualSize: null };
  const count = Math.min(head.readUInt32LE(table + 8), 2047);
  for (let i = 0; i < count; i++) {
    const entry = table + 16 + i * 32;
    if (head.length < entry + 32) break;
    if (!head.subarray(entry, entry + 16).equals(METADATA_REGION)) continue;
    const region = Number(head.readBigUInt64LE(entry + 16));
    if (head.length < region + 32 || head.toString('latin1', region, region + 8) !== 'metadata') return { ...none, virtualSize: null };
    const items = Math.min(head.readUInt16LE(region + 10), 2047);
    for (let j = 0; j < items; j++) {
      const item = region + 32 + j * 32;
      if (head.length < item + 24) break;
      if (!head.subarray(item, item + 16).equals(VIRTUAL_DISK_SIZE)) continue;
      return { ...none, virtualSize: u64le(head, region + head.readUInt32LE(item + 16)) };
    }
  }
  return { ...none, virtualSize: null };
};

/** vdi: signature 0xbeda107f at 0x40, disk size at 0x170. */
export const vdi: Detector = (head) => {
  if (head.length < 0x48 || head.readUInt32LE(0x40) !== 0xbeda107f) return undefined;
  return { format: 'vdi', virtualSize: u64le(head, 0x170), failures: {} };
};

/** iso: the primary volume descriptor "CD001" at 32 KiB; size = blocks x block size. */
export const iso: Detector = (head) => {
  const pvd = 0x8000;
  if (head.length < pvd + 136 || head.toString('latin1', pvd + 1, pvd + 6) !== 'CD001') return undefined;
  return { format: 'iso', virtualSize: head.readUInt32LE(pvd + 80) * head.readUInt16LE(pvd + 128), failures: {} };
};

/**
 * gpt: a protective MBR (partition type 0xEE) before the GPT header "EFI PART" at LBA 1.
 * A plain MBR-partitioned disk is a raw disk image and is reported as raw.
 */
export const gpt: Detector = (head, actualSize) => {
  if (head.length < 512 || head[510] !== 0x55 || head[511] !== 0xaa) return undefined;
  const partitions = [0, 1, 2, 3].map((i) => head.subarray(446 + i * 16, 462 + i * 16));
  if (!partitions.some((p) => p[4] === 0xee)) return undefined;
  const failures: Record<string, string> = {};
  if (partitions.some((p) => p[0] !== 0x00 && p[0] !== 0x80)) failures['mbr'] = 'MBR partition has an invalid boot indicator';
  if (head.length < 1024 || head.toString('latin1', 512, 520) !== 'EFI PART') failures['gpt_header'] = 'protective MBR without a GPT header';
  return { format: 'gpt', virtualSize: actualSize, failures };
};

/** Every detector; raw is what remains when none matches. */
export const DETECTORS: readonly Detector[] = [qcow2, vmdk, vhd, vhdx, vdi, iso, gpt];
