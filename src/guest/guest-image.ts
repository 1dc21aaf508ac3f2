/**
 * The project's test guest image: guest/build-image.sh at the repository root builds a
 * cirros-like VM image from Debian packages; this module builds it once per content of
 * guest/ and kernel package, and hands out the cached result.
 *
 * Cache layout: <cacheDir>/stratus-guest-<key>/{stratus-guest.qcow2, vmlinuz, manifest.json}
 * with <key> a hash of every file under guest/ and the kernel package name. A build runs
 * in a temp dir under cacheDir and is renamed into place, so a reader never sees half a
 * build and two concurrent builders both end with the same complete directory.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian packages the image build reads from the host (guest/build-image.sh HOST_DEBS). */
export const GUEST_DEBS = [
  'busybox-static', 'dropbear-bin', 'util-linux', 'e2fsprogs', 'syslinux', 'syslinux-common',
  'mtools', 'dosfstools', 'qemu-utils', 'cpio',
] as const;

const here = fileURLToPath(new URL('.', import.meta.url));

/** guest/ at the repository root. Compiled, this file is dist/src/guest/; under vitest, src/guest/. */
export const GUEST_DIR = here.includes(join('dist', 'src', 'guest'))
  ? join(here, '..', '..', '..', 'guest')
  : join(here, '..', '..', 'guest');

export interface GuestImage {
  /** The bootable disk (qcow2): MBR + syslinux + FAT boot partition + ext4 data partition. */
  qcow2: string;
  /** The kernel alone, for booting without the disk (e.g. a KVM probe). */
  kernel: string;
  /** manifest.json of the build: kernel and package versions, sizes. */
  manifest: Record<string, unknown>;
}

export interface EnsureGuestImageOptions {
  /** Where builds are kept; created if missing. Builds of other keys are left alone. */
  cacheDir: string;
  /** Progress lines (cache hit, build start, build output on failure). */
  log?: (msg: string) => void;
}

/** The image cannot be built here; the message says what is missing. */
export class GuestImageError extends Error {
  readonly code = 'GUEST_IMAGE_BUILD';
  constructor(message: string) {
    super(message);
    this.name = 'GuestImageError';
  }
}

/**
 * The cache key: a hash over every file under `dir` (path, executable bit, content) and
 * the kernel package name, so that changing any guest file or a new kernel ABI rebuilds.
 */
export async function guestImageKey(kernelPackage: string, dir: string = GUEST_DIR): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`kernel ${kernelPackage}\n`);
  for (const file of await listFiles(dir)) {
    const st = await stat(file);
    hash.update(`file ${relative(dir, file)} ${st.mode & 0o111 ? 'x' : '-'}\n`);
    hash.update(await readFile(file));
    hash.update('\n');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Returns the cached build for the current guest/ and kernel, building it first if needed. */
export async function ensureGuestImage(options: EnsureGuestImageOptions): Promise<GuestImage> {
  const log = options.log ?? (() => {});
  const kernelPackage = await cloudKernelPackage();
  const key = await guestImageKey(kernelPackage);
  const dir = join(options.cacheDir, `stratus-guest-${key}`);
  if (existsSync(join(dir, 'manifest.json'))) {
    log(`guest image: cached ${dir}`);
    return load(dir);
  }
  await preflight();
  await mkdir(options.cacheDir, { recursive: true });
  const tmp = await mkdtemp(join(options.cacheDir, '.building-'));
  try {
    log(`guest image: building ${key} (${kernelPackage}) into ${tmp}`);
    const started = Date.now();
    const r = await run('bash', [join(GUEST_DIR, 'build-image.sh'), join(tmp, 'out'), join(options.cacheDir, 'debs')]);
    if (r.code !== 0) {
      const tail = r.output.trim().split('\n').slice(-15);
      for (const line of tail) log(`  ${line}`);
      const cause = tail.filter((l) => l.includes('ERROR')).pop() ?? tail.pop() ?? `exit ${r.code}`;
      throw new GuestImageError(`guest/build-image.sh failed: ${cause}`);
    }
    try {
      await rename(join(tmp, 'out'), dir);
    } catch (e) {
      // Another process finished the same key first: its build is as good as ours.
      if (!existsSync(join(dir, 'manifest.json'))) throw e;
    }
    log(`guest image: built in ${Math.round((Date.now() - started) / 1000)} s: ${dir}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return load(dir);
}

async function load(dir: string): Promise<GuestImage> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  return { qcow2: join(dir, 'stratus-guest.qcow2'), kernel: join(dir, 'vmlinuz'), manifest };
}

/** The linux-image-<abi>-cloud-amd64 package linux-image-cloud-amd64 depends on today. */
async function cloudKernelPackage(): Promise<string> {
  const r = await run('apt-cache', ['depends', 'linux-image-cloud-amd64']);
  const m = /Depends:\s*(linux-image-\S+)/.exec(r.output);
  if (r.code !== 0 || !m?.[1]) {
    throw new GuestImageError('apt-cache knows no linux-image-cloud-amd64 (Debian amd64 with package lists needed; run apt-get update)');
  }
  return m[1];
}

/** Fails with a plain message before a build that could not succeed here. */
async function preflight(): Promise<void> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new GuestImageError('building the guest image needs root (guest/build-image.sh makes device nodes and root-owned files)');
  }
  const missing: string[] = [];
  for (const p of GUEST_DEBS) {
    const r = await run('dpkg-query', ['-W', '-f=${Status}', p]);
    if (!r.output.includes('install ok installed')) missing.push(p);
  }
  if (missing.length > 0) {
    throw new GuestImageError(`Debian packages missing for the guest image: ${missing.join(' ')} (apt-get install -y ${missing.join(' ')})`);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out.sort();
}

function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', (e) => resolve({ code: 127, output: `${cmd}: ${e.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
