import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriverError } from '../driver.js';

/**
 * The host cannot put guests under limits: neither cgroup v2 offering cpu and memory at
 * the root nor cgroup v1 cpu and memory hierarchies are mounted (not delegated to a
 * container, or bound elsewhere), or the kernel refused a write (EACCES, EPERM, EINVAL).
 * The driver logs it and runs the guest without limits, as a libvirt host without the
 * controllers does; a bad flavor is a plain DriverError instead.
 */
export class CgroupsUnavailable extends DriverError {
  constructor(message: string) {
    super(`${message}; guests run without the flavor's CPU and memory limits`);
    this.name = 'CgroupsUnavailable';
  }
}

/**
 * The settings a flavor asks for, in cgroup v2's words (cpu.max, cpu.weight, memory.max)
 * plus cpu.shares, which cgroup v1 takes instead of cpu.weight. v1 gets cpu.max as
 * cpu.cfs_quota_us ("max" is -1) and cpu.cfs_period_us, memory.max as memory.limit_in_bytes.
 */
export interface CgroupLimits {
  cpuMax: string;
  cpuWeight: number;
  cpuShares: number;
  memoryMax: string;
}

/**
 * What a guest's cgroup holds now. cpu.max and memory.max read in v2's words on both
 * versions (v1's quota -1 and its unlimited memory read as "max"); the CPU share in the
 * unit the kernel holds, as the two do not convert back and forth without loss.
 */
export type PlacedLimits =
  | { version: 2; cpuMax: string; cpuWeight: number; memoryMax: string }
  | { version: 1; cpuMax: string; cpuShares: number; memoryMax: string };

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
type Controller = (typeof CONTROLLERS)[number];
const CPU_PERIOD_DEFAULT = 100_000;
/** Kernel bounds on cpu.max (and v1's cfs files): period 1 ms..1 s, quota at least 1 ms and below 2^44 µs. */
const PERIOD_MIN = 1000, PERIOD_MAX = 1_000_000, QUOTA_MIN = 1000, QUOTA_MAX = 2 ** 44 - 1;
const SHARES_MIN = 2, SHARES_MAX = 262_144, SHARES_DEFAULT = 1024;
/** What v1's memory.limit_in_bytes reads when unlimited (PAGE_COUNTER_MAX pages, rounded to 4 KiB pages). */
const V1_MEMORY_UNLIMITED = 9_223_372_036_854_771_712n;

/**
 * The limits a flavor asks for, mapped as Nova's libvirt driver maps its extra specs
 * onto cgroups: quota:cpu_quota/cpu_period -> cpu.max, quota:cpu_shares -> cpu.shares
 * on v1 and cpu.weight on v2 (runc's shares-to-weight conversion), quota:memory_limit
 * (KiB, libvirt's memtune hard_limit for the whole QEMU) -> memory.max, else RAM +
 * QEMU's overhead. Absent specs give the kernel's defaults, so re-placing a guest
 * resets stale values. Throws DriverError naming the bad extra spec.
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
    cpuShares: shares ?? SHARES_DEFAULT,
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
 * Where the cpu and memory controllers live: one cgroup v2 tree, or the cgroup v1
 * hierarchies that hold them (one directory when they are mounted together).
 */
type Layout = { version: 2; root: string } | { version: 1; cpu: string; memory: string };

const hierarchiesOf = (layout: Layout): string[] => (layout.version === 2 ? [layout.root] : [...new Set([layout.cpu, layout.memory])]);

/**
 * The mount point of each cgroup v1 hierarchy holding cpu or memory, from a mounts table
 * in /proc/self/mounts' format (options field "rw,relatime,cpu,cpuacct"; spaces in paths
 * written \040). The first mount of a hierarchy wins.
 */
export function v1Hierarchies(mounts: string): Map<Controller, string> {
  const found = new Map<Controller, string>();
  for (const line of mounts.split('\n')) {
    const [, where, type, options] = line.split(' ');
    if (type !== 'cgroup' || where === undefined || options === undefined) continue;
    const path = where.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    for (const c of CONTROLLERS) if (options.split(',').includes(c) && !found.has(c)) found.set(c, path);
  }
  return found;
}

export interface GuestCgroupsOptions {
  /** Where cgroup v2 would be mounted; tests pass a directory imitating cgroupfs. */
  root?: string;
  /** The mounts table (/proc/self/mounts), read to find the cgroup v1 hierarchies. */
  mounts?: () => Promise<string>;
  /** rmdir(2), which on cgroupfs removes a cgroup with its interface files. */
  removeDir?: (path: string) => Promise<void>;
}

/**
 * Each guest's QEMU in its own cgroup, `stratus.slice/<host>/instance-<uuid>`, with the
 * flavor's limits. On cgroup v2 the tree hangs off the root and controllers are enabled
 * down it through cgroup.subtree_control; the no-internal-process rule means only the
 * leaves hold processes, so the slice and host levels stay empty (the agent itself never
 * joins them). On cgroup v1 the same path is made in both the cpu and the memory
 * hierarchy, at the hierarchy's root whatever cgroup the agent sits in, as libvirt's
 * machine.slice is. Which one is found again on every call, so nothing is cached that a
 * restart would lose. Operations of one process on the tree run one at a time; a
 * concurrent remove by another agent is met by creating the tree again.
 */
export class GuestCgroups {
  private readonly hostPath: string;
  private readonly root: string;
  private readonly mounts: () => Promise<string>;
  private readonly removeDir: (path: string) => Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(host: string, options: GuestCgroupsOptions = {}) {
    this.root = options.root ?? '/sys/fs/cgroup';
    this.mounts = options.mounts ?? (() => readFile('/proc/self/mounts', 'utf8'));
    this.removeDir = options.removeDir ?? rmdir;
    // A cgroup name is one path element and must not collide with an interface file (cpu.max): dots go too.
    this.hostPath = `/stratus.slice/${host.replace(/[^A-Za-z0-9_-]/g, '_') || '_'}`;
  }

  /** The instance's cgroup as /proc/<pid>/cgroup names it, relative to a hierarchy's root (the same on v1 and v2). */
  pathOf(uuid: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uuid)) throw new DriverError(`Invalid instance uuid ${JSON.stringify(uuid)} for a cgroup`);
    return `${this.hostPath}/instance-${uuid}`;
  }

  /** The instance's cgroup directories: one on v2, one per hierarchy on v1. CgroupsUnavailable when the host has neither. */
  async dirsOf(uuid: string): Promise<string[]> {
    const path = this.pathOf(uuid);
    return hierarchiesOf(await this.layout()).map((h) => join(h, path));
  }

  /**
   * Puts process `pid` (with all its threads) into the instance's cgroup, creating it
   * and writing the limits first so the process never runs there unlimited. Re-running
   * it (a restarted QEMU) reuses the cgroup and rewrites the limits. Throws DriverError
   * for bad extra specs (nothing touched), CgroupsUnavailable when the host cannot.
   */
  async place(uuid: string, pid: number, extraSpecs: Record<string, string>, memoryMb: number): Promise<void> {
    const limits = cgroupLimits(extraSpecs, memoryMb);
    const path = this.pathOf(uuid);
    await this.serial(async () => {
      const layout = await this.layout();
      for (let attempt = 1; ; attempt++) {
        try {
          await this.ensureTree(layout);
          await (layout.version === 2 ? writeV2(join(layout.root, path), limits) : writeV1(layout, path, limits));
          break;
        } catch (e) {
          // Another agent removed an empty slice between our mkdirs: make it again.
          if (errno(e) === 'ENOENT' && attempt < 3) continue;
          throw asUnavailable(e, `cannot set up the cgroup of instance ${uuid}`);
        }
      }
      // On v1 the pid joins each hierarchy in turn; should the memory one refuse, the CPU limit still holds.
      for (const dir of hierarchiesOf(layout).map((h) => join(h, path))) {
        try {
          await write(dir, 'cgroup.procs', String(pid));
        } catch (e) {
          if (errno(e) === 'ESRCH') throw new DriverError(`QEMU ${pid} of instance ${uuid} exited before it could be placed in its cgroup`);
          throw asUnavailable(e, `cannot move QEMU ${pid} into ${dir}`);
        }
      }
    });
  }

  /**
   * Removes the instance's cgroup (each hierarchy's on v1) once its processes are gone (a
   * just-killed QEMU may take a moment to leave), then the host and slice levels if
   * nothing else is in them. Idempotent; nothing to do on a host without cgroups.
   * DriverError when a process is still inside after 5 s.
   */
  async remove(uuid: string): Promise<void> {
    const path = this.pathOf(uuid);
    await this.serial(async () => {
      const layout = await this.layout().catch((e: unknown) => { if (e instanceof CgroupsUnavailable) return null; throw e; });
      if (layout === null) return;
      const end = Date.now() + 5000;
      for (const hierarchy of hierarchiesOf(layout)) {
        await this.removeLeaf(join(hierarchy, path), end);
        await this.removeIfEmpty([join(hierarchy, this.hostPath), join(hierarchy, '/stratus.slice')]);
      }
    });
  }

  /** The limits the instance's cgroup holds now. */
  async limitsOf(uuid: string): Promise<PlacedLimits> {
    const path = this.pathOf(uuid);
    const layout = await this.layout();
    const read = (hierarchy: string, file: string): Promise<string> => readFile(join(hierarchy, path, file), 'utf8').then((s) => s.trim());
    if (layout.version === 2) {
      const r = (file: string): Promise<string> => read(layout.root, file);
      return { version: 2, cpuMax: await r('cpu.max'), cpuWeight: Number(await r('cpu.weight')), memoryMax: await r('memory.max') };
    }
    const quota = await read(layout.cpu, 'cpu.cfs_quota_us');
    const memory = await read(layout.memory, 'memory.limit_in_bytes');
    return {
      version: 1,
      cpuMax: `${quota === '-1' ? 'max' : quota} ${await read(layout.cpu, 'cpu.cfs_period_us')}`,
      cpuShares: Number(await read(layout.cpu, 'cpu.shares')),
      memoryMax: BigInt(memory) >= V1_MEMORY_UNLIMITED ? 'max' : memory,
    };
  }

  /** cgroup v2 at the root offering cpu and memory, else cgroup v1 hierarchies holding them, else CgroupsUnavailable saying what is missing. */
  private async layout(): Promise<Layout> {
    const offered = await readFile(join(this.root, 'cgroup.controllers'), 'utf8').catch(() => null);
    const v2Missing = offered === null ? [...CONTROLLERS] : CONTROLLERS.filter((c) => !offered.split(/\s+/).includes(c));
    if (v2Missing.length === 0) return { version: 2, root: this.root };
    const v1 = v1Hierarchies(await this.mounts().catch(() => ''));
    const cpu = v1.get('cpu'), memory = v1.get('memory');
    if (cpu !== undefined && memory !== undefined) return { version: 1, cpu, memory };
    const v2Why = offered === null
      ? `cgroup v2 is not mounted at ${this.root} (no cgroup.controllers)`
      : `cgroup v2 at ${this.root} does not offer the ${v2Missing.join(' and ')} controller (bound to a cgroup v1 hierarchy, or not delegated to this container)`;
    const v1Missing = CONTROLLERS.filter((c) => !v1.has(c));
    throw new CgroupsUnavailable(`${v2Why}, and no cgroup v1 hierarchy with the ${v1Missing.join(' and ')} controller is mounted`);
  }

  /**
   * The slice and host levels in every hierarchy. On v2 with cpu and memory enabled for
   * the slice, the host level and the leaves; v1 has no subtree_control (every cgroup
   * has its hierarchy's controllers) and lets any cgroup hold processes.
   */
  private async ensureTree(layout: Layout): Promise<void> {
    if (layout.version === 1) {
      for (const h of hierarchiesOf(layout)) for (const dir of [join(h, '/stratus.slice'), join(h, this.hostPath)]) await mkdirOnce(dir);
      return;
    }
    for (const dir of [layout.root, join(layout.root, '/stratus.slice'), join(layout.root, this.hostPath)]) {
      if (dir !== layout.root) await mkdirOnce(dir);
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

  /** rmdir, retried while the cgroup is busy (its last process leaving) until `end`. */
  private async removeLeaf(dir: string, end: number): Promise<void> {
    for (;;) {
      try {
        return await this.removeDir(dir);
      } catch (e) {
        if (errno(e) === 'ENOENT') return;
        if (errno(e) !== 'EBUSY' || Date.now() > end) throw new DriverError(`Cannot remove the cgroup ${dir}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Each of `dirs` in turn while they are empty; another guest or host still there stops it quietly. */
  private async removeIfEmpty(dirs: string[]): Promise<void> {
    for (const dir of dirs) {
      try {
        await this.removeDir(dir);
      } catch (e) {
        if (['ENOTEMPTY', 'EBUSY', 'EEXIST'].includes(errno(e) ?? '')) return;
        if (errno(e) !== 'ENOENT') throw new DriverError(`Cannot remove the cgroup ${dir}: ${(e as Error).message}`);
      }
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** v2: the leaf with cpu.max, cpu.weight and memory.max. */
async function writeV2(dir: string, limits: CgroupLimits): Promise<void> {
  await mkdirOnce(dir);
  await write(dir, 'cpu.max', limits.cpuMax);
  await write(dir, 'cpu.weight', String(limits.cpuWeight));
  await write(dir, 'memory.max', limits.memoryMax);
}

/** v1, as libvirt writes it: the leaf in each hierarchy, cfs period before quota, shares, memory.limit_in_bytes. */
async function writeV1(layout: Layout & { version: 1 }, path: string, limits: CgroupLimits): Promise<void> {
  for (const h of hierarchiesOf(layout)) await mkdirOnce(join(h, path));
  const [quota = 'max', period = String(CPU_PERIOD_DEFAULT)] = limits.cpuMax.split(' ');
  const cpu = join(layout.cpu, path);
  await write(cpu, 'cpu.cfs_period_us', period);
  await write(cpu, 'cpu.cfs_quota_us', quota === 'max' ? '-1' : quota);
  await write(cpu, 'cpu.shares', String(limits.cpuShares));
  await write(join(layout.memory, path), 'memory.limit_in_bytes', limits.memoryMax);
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
