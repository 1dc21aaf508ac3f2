import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriverError } from '../driver.js';

/**
 * The host cannot put guests under limits: cgroup v2 is not mounted at the root (a
 * cgroup v1 or hybrid host), the cpu or memory controller is not offered or cannot be
 * enabled (bound to a v1 hierarchy, not delegated to a container), or the kernel refused
 * a write. The driver logs it and runs the guest without limits, as a libvirt host
 * without the controllers does; a bad flavor is a plain DriverError instead.
 */
export class CgroupsUnavailable extends DriverError {
  constructor(message: string) {
    super(`${message}; guests run without the flavor's CPU and memory limits`);
    this.name = 'CgroupsUnavailable';
  }
}

/** What a guest's cgroup says, in the kernel's own words (cpu.max, cpu.weight, memory.max). */
export interface CgroupLimits {
  cpuMax: string;
  cpuWeight: number;
  memoryMax: string;
}

/**
 * Memory QEMU needs beyond the guest's RAM: its own heap, device emulation, and under
 * TCG the translation cache (a 1 GiB reservation in QEMU 7, filled as code is
 * translated: a few tens of MiB for a booted small guest). 256 MiB plus 1.5% of the RAM
 * for page tables and per-RAM structures. memory.max is a hard limit (the OOM killer
 * ends the guest), so this errs on the generous side; quota:memory_limit overrides it.
 */
export const QEMU_OVERHEAD_MIB = 256;
export const QEMU_OVERHEAD_RATIO = 0.015;

const CONTROLLERS = ['cpu', 'memory'] as const;
const CPU_PERIOD_DEFAULT = 100_000;
/** Kernel bounds on cpu.max: period 1 ms..1 s, quota at least 1 ms and below 2^44 µs. */
const PERIOD_MIN = 1000, PERIOD_MAX = 1_000_000, QUOTA_MIN = 1000, QUOTA_MAX = 2 ** 44 - 1;
const SHARES_MIN = 2, SHARES_MAX = 262_144;

/**
 * The limits a flavor asks for, mapped as Nova's libvirt driver maps its extra specs
 * onto cgroups: quota:cpu_quota/cpu_period -> cpu.max, quota:cpu_shares -> cpu.weight
 * (systemd's v1-shares-to-v2-weight conversion), quota:memory_limit (KiB, libvirt's
 * memtune hard_limit for the whole QEMU) -> memory.max, else RAM + QEMU's overhead.
 * Absent specs give the kernel's defaults, so re-placing a guest resets stale values.
 * Throws DriverError naming the bad extra spec.
 */
export function cgroupLimits(extraSpecs: Record<string, string>, memoryMb: number): CgroupLimits {
  if (!Number.isInteger(memoryMb) || memoryMb <= 0) throw new DriverError(`Invalid memory size ${memoryMb} MiB for a guest cgroup`);
  const period = spec(extraSpecs, 'quota:cpu_period', PERIOD_MIN, PERIOD_MAX, 'microseconds') ?? CPU_PERIOD_DEFAULT;
  const quota = extraSpecs['quota:cpu_quota']?.trim() === '-1' ? null : spec(extraSpecs, 'quota:cpu_quota', QUOTA_MIN, QUOTA_MAX, 'microseconds, or -1 for no limit');
  const shares = spec(extraSpecs, 'quota:cpu_shares', SHARES_MIN, SHARES_MAX, 'cgroup v1 shares');
  const limitKib = spec(extraSpecs, 'quota:memory_limit', 1, Math.floor(Number.MAX_SAFE_INTEGER / 1024), 'KiB');
  const overheadMib = QEMU_OVERHEAD_MIB + Math.ceil(memoryMb * QEMU_OVERHEAD_RATIO);
  return {
    cpuMax: `${quota ?? 'max'} ${period}`,
    cpuWeight: shares === null ? 100 : 1 + Math.floor(((shares - 2) * 9999) / 262_142),
    memoryMax: String(limitKib !== null ? limitKib * 1024 : (memoryMb + overheadMib) * 1024 * 1024),
  };
}

function spec(extraSpecs: Record<string, string>, key: string, min: number, max: number, unit: string): number | null {
  const raw = extraSpecs[key];
  if (raw === undefined) return null;
  const n = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new DriverError(`Invalid ${key} value ${JSON.stringify(raw)}: expected an integer from ${min} to ${max} (${unit})`);
  }
  return n;
}

/**
 * Each guest's QEMU in its own cgroup v2, `<root>/stratus.slice/<host>/instance-<uuid>`,
 * with the flavor's limits. Controllers are enabled down the tree through
 * cgroup.subtree_control; cgroup v2's no-internal-process rule means only the leaves
 * hold processes, so the slice and host levels stay empty (the agent itself never joins
 * them). Operations of one process on the tree run one at a time; a concurrent remove by
 * another agent is met by creating the tree again.
 */
export class GuestCgroups {
  private readonly slice: string;
  private readonly hostDir: string;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * `root` is where cgroup v2 is mounted (tests pass a directory imitating cgroupfs);
   * `removeDir` is rmdir(2), which on cgroupfs removes a leaf with its interface files.
   */
  constructor(host: string, private readonly root = '/sys/fs/cgroup', private readonly removeDir: (path: string) => Promise<void> = rmdir) {
    this.slice = join(root, 'stratus.slice');
    // A cgroup name is one path element and must not collide with an interface file (cpu.max): dots go too.
    this.hostDir = join(this.slice, host.replace(/[^A-Za-z0-9_-]/g, '_') || '_');
  }

  /** The instance's cgroup directory. */
  dirOf(uuid: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uuid)) throw new DriverError(`Invalid instance uuid ${JSON.stringify(uuid)} for a cgroup`);
    return join(this.hostDir, `instance-${uuid}`);
  }

  /**
   * Puts process `pid` (with all its threads) into the instance's cgroup, creating it
   * and writing the limits first so the process never runs there unlimited. Re-running
   * it (a restarted QEMU) reuses the cgroup and rewrites the limits. Throws DriverError
   * for bad extra specs (nothing touched), CgroupsUnavailable when the host cannot.
   */
  async place(uuid: string, pid: number, extraSpecs: Record<string, string>, memoryMb: number): Promise<void> {
    const limits = cgroupLimits(extraSpecs, memoryMb);
    const dir = this.dirOf(uuid);
    await this.serial(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.ensureTree();
          await mkdirOnce(dir);
          await write(dir, 'cpu.max', limits.cpuMax);
          await write(dir, 'cpu.weight', String(limits.cpuWeight));
          await write(dir, 'memory.max', limits.memoryMax);
          break;
        } catch (e) {
          // Another agent removed an empty slice between our mkdirs: make it again.
          if (errno(e) === 'ENOENT' && attempt < 3) continue;
          throw asUnavailable(e, `cannot set up the cgroup of instance ${uuid}`);
        }
      }
      try {
        await write(dir, 'cgroup.procs', String(pid));
      } catch (e) {
        if (errno(e) === 'ESRCH') throw new DriverError(`QEMU ${pid} of instance ${uuid} exited before it could be placed in its cgroup`);
        throw asUnavailable(e, `cannot move QEMU ${pid} into ${dir}`);
      }
    });
  }

  /**
   * Removes the instance's cgroup once its processes are gone (a just-killed QEMU may
   * take a moment to leave), then the host and slice levels if nothing else is in them.
   * Idempotent. DriverError when a process is still inside after 5 s.
   */
  async remove(uuid: string): Promise<void> {
    const dir = this.dirOf(uuid);
    await this.serial(async () => {
      for (let end = Date.now() + 5000; ;) {
        try {
          await this.removeDir(dir);
          break;
        } catch (e) {
          if (errno(e) === 'ENOENT') break;
          if (errno(e) !== 'EBUSY' || Date.now() > end) throw new DriverError(`Cannot remove the cgroup ${dir}: ${(e as Error).message}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      for (const parent of [this.hostDir, this.slice]) {
        try {
          await this.removeDir(parent);
        } catch (e) {
          if (['ENOTEMPTY', 'EBUSY', 'EEXIST'].includes(errno(e) ?? '')) return;
          if (errno(e) !== 'ENOENT') throw new DriverError(`Cannot remove the cgroup ${parent}: ${(e as Error).message}`);
        }
      }
    });
  }

  /** The limits the instance's cgroup holds now. */
  async limitsOf(uuid: string): Promise<CgroupLimits> {
    const dir = this.dirOf(uuid);
    const read = (file: string): Promise<string> => readFile(join(dir, file), 'utf8').then((s) => s.trim());
    return { cpuMax: await read('cpu.max'), cpuWeight: Number(await read('cpu.weight')), memoryMax: await read('memory.max') };
  }

  /** cgroup v2 at the root with cpu and memory enabled for the slice, the host level and the leaves. */
  private async ensureTree(): Promise<void> {
    const offered = await readFile(join(this.root, 'cgroup.controllers'), 'utf8').catch(() => null);
    if (offered === null) throw new CgroupsUnavailable(`cgroup v2 is not mounted at ${this.root} (no cgroup.controllers): the host runs cgroup v1 or a hybrid layout`);
    const missing = CONTROLLERS.filter((c) => !offered.split(/\s+/).includes(c));
    if (missing.length > 0) {
      throw new CgroupsUnavailable(`cgroup v2 at ${this.root} does not offer the ${missing.join(' and ')} controller (bound to a cgroup v1 hierarchy, or not delegated to this container)`);
    }
    for (const dir of [this.root, this.slice, this.hostDir]) {
      if (dir !== this.root) await mkdirOnce(dir);
      const enabled = (await readFile(join(dir, 'cgroup.subtree_control'), 'utf8').catch(() => '')).split(/\s+/);
      if (CONTROLLERS.every((c) => enabled.includes(c))) continue;
      try {
        await write(dir, 'cgroup.subtree_control', CONTROLLERS.map((c) => `+${c}`).join(' '));
      } catch (e) {
        const why = errno(e) === 'EBUSY' ? ' (it holds processes: cgroup v2 lets only leaves, or the root, hold them)' : '';
        throw new CgroupsUnavailable(`cannot enable the cpu and memory controllers in ${dir}${why}: ${(e as Error).message}`);
      }
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

async function mkdirOnce(dir: string): Promise<void> {
  await mkdir(dir).catch((e: unknown) => { if (errno(e) !== 'EEXIST') throw e; });
}

/** One write(2) of the whole value, as cgroupfs wants. */
async function write(dir: string, file: string, value: string): Promise<void> {
  await writeFile(join(dir, file), value);
}

function asUnavailable(e: unknown, what: string): DriverError {
  return e instanceof DriverError ? e : new CgroupsUnavailable(`${what}: ${(e as Error).message}`);
}
