import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideUpload, HEAD_BYTES, ImageFormatError, InvalidImageData, StreamingFormatInspector, type Inspection } from './index.js';

/** Feeds `data` in chunks of the given sizes (cycled), so chunk edges fall everywhere. */
function inspect(data: Buffer, chunkSizes = [1, 7, 4096, 65537]): Inspection {
  const inspector = new StreamingFormatInspector();
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = chunkSizes[i % chunkSizes.length]!;
    inspector.write(data.subarray(at, at + n));
    at += n;
  }
  return inspector.finish();
}

function qcow2(size: number, opts: { backing?: string; incompatible?: bigint } = {}): Buffer {
  const b = Buffer.alloc(3 * 65536);
  b.writeUInt32BE(0x514649fb, 0);
  b.writeUInt32BE(3, 4);
  if (opts.backing) {
    b.writeBigUInt64BE(512n, 8);
    b.writeUInt32BE(opts.backing.length, 16);
    b.write(opts.backing, 512);
  }
  b.writeUInt32BE(16, 20);
  b.writeBigUInt64BE(BigInt(size), 24);
  b.writeBigUInt64BE(opts.incompatible ?? 0n, 72);
  b.writeUInt32BE(104, 100);
  return b;
}

function vmdk(descriptor: string, capacitySectors = 2048): Buffer {
  const b = Buffer.alloc(64 * 1024);
  b.writeUInt32LE(0x564d444b, 0);
  b.writeUInt32LE(1, 4);
  b.writeBigUInt64LE(BigInt(capacitySectors), 12);
  b.writeBigUInt64LE(128n, 20);
  b.writeBigUInt64LE(1n, 28);
  b.writeBigUInt64LE(20n, 36);
  b.write(descriptor, 512, 'latin1');
  return b;
}

const sparseDescriptor = (createType: string, extent: string): string =>
  `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="${createType}"\n\n# Extent description\n${extent}\n`;

function vhdx(virtualSize: number): Buffer {
  const b = Buffer.alloc(3 * 1024 * 1024 + 4096);
  b.write('vhdxfile', 0, 'latin1');
  const table = 192 * 1024;
  b.write('regi', table, 'latin1');
  b.writeUInt32LE(2, table + 8);
  // a BAT entry first, then the metadata region at 2 MiB
  Buffer.from('6677c22d23f600429d64115e9bfd4a08', 'hex').copy(b, table + 16);
  b.writeBigUInt64LE(3n * 1024n * 1024n, table + 32);
  Buffer.from('06a27c8b90479a4bb8fe575f050f886e', 'hex').copy(b, table + 48);
  const region = 2 * 1024 * 1024;
  b.writeBigUInt64LE(BigInt(region), table + 64);
  b.write('metadata', region, 'latin1');
  b.writeUInt16LE(2, region + 10);
  Buffer.from('3767a1ca36fa434db3b633f0aa44e76b', 'hex').copy(b, region + 32); // file parameters
  b.writeUInt32LE(65536, region + 48);
  Buffer.from('2442a52f1bcd7648b2115dbed83bf4b8', 'hex').copy(b, region + 64);
  b.writeUInt32LE(65536 + 8, region + 80);
  b.writeBigUInt64LE(BigInt(virtualSize), region + 65536 + 8);
  return b;
}

function iso(blocks: number): Buffer {
  const b = Buffer.alloc(0x8000 + 4096);
  b[0x8000] = 1;
  b.write('CD001', 0x8001, 'latin1');
  b.writeUInt32LE(blocks, 0x8000 + 80);
  b.writeUInt16LE(2048, 0x8000 + 128);
  return b;
}

function protectiveMbr(withGptHeader = true): Buffer {
  const b = Buffer.alloc(64 * 1024);
  b[446 + 4] = 0xee;
  b[510] = 0x55;
  b[511] = 0xaa;
  if (withGptHeader) b.write('EFI PART', 512, 'latin1');
  return b;
}

describe('format detection', () => {
  it('reads a qcow2 virtual size and refuses backing and external data files', () => {
    expect(inspect(qcow2(1 << 30))).toMatchObject({ format: 'qcow2', virtualSize: 1 << 30, safetyFailures: {} });
    expect(Object.keys(inspect(qcow2(1 << 30, { backing: '/etc/passwd' })).safetyFailures)).toEqual(['backing_file']);
    expect(Object.keys(inspect(qcow2(1 << 30, { incompatible: 4n })).safetyFailures)).toEqual(['data_file']);
    expect(Object.keys(inspect(qcow2(1 << 30, { incompatible: 1n << 40n })).safetyFailures)).toEqual(['unknown_features']);
  });

  it('accepts a single-extent sparse vmdk and refuses foreign extents and other create types', () => {
    const ok = inspect(vmdk(sparseDescriptor('monolithicSparse', 'RW 2048 SPARSE "disk.vmdk"')));
    expect(ok).toMatchObject({ format: 'vmdk', virtualSize: 2048 * 512, safetyFailures: {} });
    expect(inspect(vmdk(sparseDescriptor('monolithicSparse', 'RW 2048 FLAT "/etc/passwd" 0'))).safetyFailures['extents']).toBeDefined();
    expect(inspect(vmdk(sparseDescriptor('monolithicSparse', 'RW 2048 SPARSE "../other.vmdk"'))).safetyFailures['extents']).toBeDefined();
    expect(inspect(vmdk(sparseDescriptor('vmfs', 'RW 2048 SPARSE "disk.vmdk"'))).safetyFailures['create_type']).toBeDefined();
    const textOnly = inspect(Buffer.from(sparseDescriptor('monolithicFlat', 'RW 2048 FLAT "/dev/sda" 0')));
    expect(textOnly.format).toBe('vmdk');
    expect(Object.keys(textOnly.safetyFailures).length).toBeGreaterThan(0);
  });

  it('finds the vhdx virtual size in its metadata region two MiB in', () => {
    expect(inspect(vhdx(10 * 1024 ** 3))).toMatchObject({ format: 'vhdx', virtualSize: 10 * 1024 ** 3 });
  });

  it('detects vhd, vdi and iso with their sizes', () => {
    const vhd = Buffer.alloc(4096);
    vhd.write('conectix', 0, 'latin1');
    vhd.writeBigUInt64BE(5n * 1024n ** 3n, 48);
    expect(inspect(vhd)).toMatchObject({ format: 'vhd', virtualSize: 5 * 1024 ** 3 });
    const vdi = Buffer.alloc(4096);
    vdi.writeUInt32LE(0xbeda107f, 0x40);
    vdi.writeBigUInt64LE(1n << 32n, 0x170);
    expect(inspect(vdi)).toMatchObject({ format: 'vdi', virtualSize: 2 ** 32 });
    expect(inspect(iso(100))).toMatchObject({ format: 'iso', virtualSize: 100 * 2048 });
  });

  it('tells gpt disks from plain MBR disks, and prefers iso for a bootable iso with a gpt', () => {
    expect(inspect(protectiveMbr())).toMatchObject({ format: 'gpt', safetyFailures: {} });
    expect(inspect(protectiveMbr(false)).safetyFailures['gpt_header']).toBeDefined();
    const mbr = Buffer.alloc(4096);
    mbr[446] = 0x80;
    mbr[446 + 4] = 0x83;
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    expect(inspect(mbr).format).toBe('raw');
    const hybrid = iso(10);
    protectiveMbr().copy(hybrid, 0, 0, 1024);
    expect(inspect(hybrid).format).toBe('iso');
  });

  it('calls random bytes and empty input raw', () => {
    expect(inspect(randomBytes(100_000))).toMatchObject({ format: 'raw', virtualSize: 100_000, actualSize: 100_000 });
    expect(new StreamingFormatInspector().finish()).toMatchObject({ format: 'raw', virtualSize: 0, actualSize: 0 });
  });

  it('refuses data matching two formats', () => {
    const both = qcow2(1 << 20);
    both.writeUInt32LE(0xbeda107f, 0x40);
    expect(() => inspect(both)).toThrow(ImageFormatError);
  });

  it('keeps at most the head, however long the stream', () => {
    const inspector = new StreamingFormatInspector();
    const chunk = randomBytes(1 << 20);
    for (let i = 0; i < 64; i++) inspector.write(chunk);
    expect(inspector.retainedBytes).toBe(HEAD_BYTES);
    expect(inspector.finish()).toMatchObject({ format: 'raw', actualSize: 64 << 20 });
  });
});

describe('upload verdict', () => {
  const facts = (inspection: Inspection | ImageFormatError, diskFormat: string, containerFormat = 'bare', requireFormatMatch = true) =>
    ({ diskFormat, containerFormat, inspection, requireFormatMatch });

  it('records the virtual size when content and disk_format agree', () => {
    expect(decideUpload(facts(inspect(qcow2(1 << 30)), 'qcow2'))).toEqual({ virtualSize: 1 << 30 });
    expect(decideUpload(facts(inspect(randomBytes(10)), 'raw'))).toEqual({ virtualSize: 10 });
  });

  it('refuses mismatches unless the match is not required, and unsafe images always', () => {
    expect(() => decideUpload(facts(inspect(randomBytes(10)), 'qcow2'))).toThrow(InvalidImageData);
    expect(decideUpload(facts(inspect(randomBytes(10)), 'qcow2', 'bare', false))).toEqual({ virtualSize: null });
    expect(decideUpload(facts(inspect(randomBytes(10)), 'ami'))).toEqual({ virtualSize: null });
    expect(decideUpload(facts(inspect(qcow2(1 << 30)), 'raw'))).toEqual({ virtualSize: qcow2(1 << 30).length });
    const evil = inspect(qcow2(1 << 30, { backing: '/etc/shadow' }));
    expect(() => decideUpload(facts(evil, 'qcow2'))).toThrow('Image failed safety checks');
    expect(() => decideUpload(facts(evil, 'raw', 'bare', false))).toThrow(InvalidImageData);
    expect(() => decideUpload(facts(evil, 'qcow2', 'ovf'))).toThrow(InvalidImageData);
  });

  it('lets operators make gpt checks non-fatal', () => {
    const loose = inspect(protectiveMbr(false));
    expect(() => decideUpload(facts(loose, 'gpt'))).toThrow(InvalidImageData);
    expect(decideUpload({ ...facts(loose, 'gpt'), gptSafetyChecksNonfatal: ['gpt_header'] }).virtualSize).toBe(65536);
  });
});
