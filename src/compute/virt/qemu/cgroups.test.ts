import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriverError } from '../driver.js';
import { cgroupLimits, CgroupsUnavailable, GuestCgroups, type GuestCgroupsOptions, v1Hierarchies } from './cgroups.js';

const UUID = '0b5f7c3e-1111-4222-8333-444455556666';
const MiB = 1024 * 1024;
const execFileAsync = promisify(execFile);

describe('cgroupLimits: flavor extra specs as Nova maps them', () => {
  it('defaults: no CPU limit, weight 100, RAM + 256 MiB + 1.5%', () => {
    expect(cgroupLimits({}, 1024)).toEqual({ cpuMax: 'max 100000', cpuWeight: 100, cpuShares: 1024, memoryMax: String((1024 + 256 + 16) * MiB) });
    expect(cgroupLimits({}, 64).memoryMax).toBe(String((64 + 256 + 1) * MiB));
  });

  it('cpu_quota and cpu_period -> cpu.max; -1 means no limit', () => {
    expect(cgroupLimits({ 'quota:cpu_quota': '20000', 'quota:cpu_period': '100000' }, 64).cpuMax).toBe('20000 100000');
    expect(cgroupLimits({ 'quota:cpu_quota': '5000' }, 64).cpuMax).toBe('5000 100000');
    expect(cgroupLimits({ 'quota:cpu_quota': '-1', 'quota:cpu_period': '50000' }, 64).cpuMax).toBe('max 50000');
  });

  it('cpu_shares -> cpu.shares as given (v1), 1024 when absent so a restart resets it', () => {
    expect(cgroupLimits({ 'quota:cpu_shares': '2048' }, 64).cpuShares).toBe(2048);
    expect(cgroupLimits({}, 64).cpuShares).toBe(1024);
  });

  it("cpu_shares -> cpu.weight (v2) with runc's conversion", () => {
    const weight = (shares: number): number => cgroupLimits({ 'quota:cpu_shares': String(shares) }, 64).cpuWeight;
    expect(weight(2)).toBe(1);
    expect(weight(1024)).toBe(39);
    expect(weight(2048)).toBe(79);
    expect(weight(262144)).toBe(10000);
  });

  it('memory_limit (KiB) replaces the computed memory.max', () => {
    expect(cgroupLimits({ 'quota:memory_limit': '524288' }, 1024).memoryMax).toBe(String(512 * MiB));
  });

  it.each([
    ['quota:cpu_quota', 'abc'], ['quota:cpu_quota', '0'], ['quota:cpu_quota', '-2'], ['quota:cpu_quota', '999'], ['quota:cpu_quota', '1.5'],
    ['quota:cpu_period', '999'], ['quota:cpu_period', '1000001'], ['quota:cpu_period', ''],
    ['quota:cpu_shares', '1'], ['quota:cpu_shares', '262145'], ['quota:memory_limit', '0'], ['quota:memory_limit', '1e6'],
  ])('validation: %s = %j is refused with a readable DriverError', (key, value) => {
    expect(() => cgroupLimits({ [key]: value }, 64)).toThrow(DriverError);
    expect(() => cgroupLimits({ [key]: value }, 64)).toThrow(`Invalid ${key} value ${JSON.stringify(value)}: expected an integer from`);
  });

  it('other extra specs (hw:cpu_*) are not its business', () => {
    expect(cgroupLimits({ 'hw:cpu_sockets': '2', 'hw:cpu_cores': 'x' }, 64).cpuMax).toBe('max 100000');
  });
});

/** A directory tree imitating cgroupfs: rmdir(2) as the kernel does it — interface files go with the directory, child cgroups or members make it fail. */
async function cgroupRmdir(dir: string): Promise<void> {
  const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  if (procs.trim() !== '') throw Object.assign(new Error(`EBUSY: ${dir}`), { code: 'EBUSY' });
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => e.isDirectory())) throw Object.assign(new Error(`ENOTEMPTY: ${dir}`), { code: 'ENOTEMPTY' });
  for (const e of entries) await rm(join(dir, e.name));
  await rmdir(dir);
}

describe('GuestCgroups on an imitated cgroupfs', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cgfs-'));
    await writeFile(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
    await writeFile(join(root, 'cgroup.subtree_control'), '\n');
  });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  /** The imitated v2 root, with an empty mounts table so the real v1 hierarchies are never looked at. */
  const v2 = (removeDir?: (path: string) => Promise<void>): GuestCgroupsOptions => ({ root, mounts: async () => '', ...(removeDir ? { removeDir } : {}) });
  const leaf = (): string => join(root, 'stratus.slice', 'compute-1_example_org', `instance-${UUID}`);

  it('place: enables cpu and memory down the tree, writes the limits, moves the pid', async () => {
    const cg = new GuestCgroups('compute-1.example.org', v2(cgroupRmdir));
    await cg.place(UUID, 4242, { 'quota:cpu_quota': '20000', 'quota:cpu_shares': '1024' }, 128);
    for (const dir of [root, join(root, 'stratus.slice'), join(root, 'stratus.slice', 'compute-1_example_org')]) {
      expect(await readFile(join(dir, 'cgroup.subtree_control'), 'utf8')).toBe('+cpu +memory');
    }
    expect(await readFile(join(leaf(), 'cgroup.procs'), 'utf8')).toBe('4242');
    expect(await cg.limitsOf(UUID)).toEqual({ version: 2, cpuMax: '20000 100000', cpuWeight: 39, memoryMax: String((128 + 256 + 2) * MiB) });
  });

  it('place again (a restarted QEMU) reuses the cgroup and rewrites the limits', async () => {
    const cg = new GuestCgroups('h', v2(cgroupRmdir));
    await cg.place(UUID, 10, { 'quota:cpu_quota': '20000' }, 64);
    await cg.place(UUID, 11, {}, 64);
    expect((await cg.limitsOf(UUID)).cpuMax).toBe('max 100000');
  });

  it('place with a bad extra spec touches nothing', async () => {
    const cg = new GuestCgroups('h', v2(cgroupRmdir));
    await expect(cg.place(UUID, 10, { 'quota:cpu_period': 'often' }, 64)).rejects.toThrow('Invalid quota:cpu_period value "often"');
    expect(existsSync(join(root, 'stratus.slice'))).toBe(false);
  });

  it('neither cgroup v2 nor v1 cpu and memory hierarchies: CgroupsUnavailable saying so', async () => {
    await rm(join(root, 'cgroup.controllers'));
    const e = await new GuestCgroups('h', v2()).place(UUID, 10, {}, 64).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CgroupsUnavailable);
    expect((e as Error).message).toMatch(/cgroup v2 is not mounted at .*, and no cgroup v1 hierarchy with the cpu and memory controller is mounted; guests run without/);
  });

  it('controllers not offered (bound to v1 or not delegated): CgroupsUnavailable naming them', async () => {
    await writeFile(join(root, 'cgroup.controllers'), 'hugetlb pids\n');
    await expect(new GuestCgroups('h', v2()).place(UUID, 10, {}, 64)).rejects.toThrow(/does not offer the cpu and memory controller/);
  });

  it('controllers cannot be enabled: CgroupsUnavailable', async () => {
    await rm(join(root, 'cgroup.subtree_control'));
    await mkdir(join(root, 'cgroup.subtree_control')); // writing it fails, as EBUSY would on a cgroup holding processes
    await expect(new GuestCgroups('h', v2()).place(UUID, 10, {}, 64)).rejects.toThrow(CgroupsUnavailable);
  });

  it('remove: the leaf, then the host and slice levels once empty; idempotent', async () => {
    const [a, b] = [new GuestCgroups('h1', v2(cgroupRmdir)), new GuestCgroups('h2', v2(cgroupRmdir))];
    const other = randomUUID();
    await a.place(UUID, 10, {}, 64);
    await b.place(other, 11, {}, 64);
    await writeFile(join(root, 'stratus.slice', 'h1', `instance-${UUID}`, 'cgroup.procs'), ''); // QEMU exited
    await a.remove(UUID);
    const left = await readdir(join(root, 'stratus.slice'), { withFileTypes: true });
    expect(left.filter((e) => e.isDirectory()).map((e) => e.name)).toEqual(['h2']);
    await writeFile(join(root, b.pathOf(other), 'cgroup.procs'), '');
    await b.remove(other);
    expect(existsSync(join(root, 'stratus.slice'))).toBe(false);
    await b.remove(other);
  });

  it('remove waits for a just-killed process to leave', async () => {
    const cg = new GuestCgroups('h', v2(cgroupRmdir));
    await cg.place(UUID, 10, {}, 64);
    setTimeout(() => void writeFile(join(leaf().replace('compute-1_example_org', 'h'), 'cgroup.procs'), ''), 200);
    await cg.remove(UUID);
    expect(existsSync(join(root, 'stratus.slice'))).toBe(false);
  });

  it('uuids that are not uuids never become paths', () => {
    expect(() => new GuestCgroups('h', v2()).pathOf('../../etc')).toThrow(DriverError);
  });
});

describe('GuestCgroups on imitated cgroup v1 hierarchies', () => {
  let base: string;
  let mounts: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'cgv1-'));
    for (const h of ['cpu', 'memory', 'cpuset', 'unified']) await mkdir(join(base, h));
    // A hybrid host as this CI's: v2 mounted aside with only hugetlb, cpuset listed before cpu to catch a prefix match.
    await writeFile(join(base, 'cgroup.controllers'), 'hugetlb\n');
    mounts = [
      `tmpfs ${base} tmpfs rw,relatime,mode=755 0 0`,
      `cgroup ${base}/cpuset cgroup rw,relatime,cpuset 0 0`,
      `cgroup ${base}/cpu cgroup rw,relatime,cpu 0 0`,
      `cgroup ${base}/memory cgroup rw,relatime,memory 0 0`,
      `cgroup2 ${base}/unified cgroup2 rw,relatime 0 0`,
    ].join('\n');
  });
  afterEach(async () => { await rm(base, { recursive: true, force: true }); });

  const v1 = (): GuestCgroups => new GuestCgroups('compute-1.example.org', { root: base, mounts: async () => mounts, removeDir: cgroupRmdir });
  const leafIn = (h: string, uuid = UUID): string => join(base, h, 'stratus.slice', 'compute-1_example_org', `instance-${uuid}`);
  const read = (path: string): Promise<string> => readFile(path, 'utf8');

  it('mounts: cpu and memory hierarchies found by their options, co-mounted ones and escaped spaces too', () => {
    expect(v1Hierarchies(mounts)).toEqual(new Map([['cpu', `${base}/cpu`], ['memory', `${base}/memory`]]));
    const both = v1Hierarchies('cgroup /sys/fs/cgroup/cpu\\040mem cgroup rw,nosuid,cpu,cpuacct,memory 0 0\n');
    expect(both).toEqual(new Map([['cpu', '/sys/fs/cgroup/cpu mem'], ['memory', '/sys/fs/cgroup/cpu mem']]));
    expect(v1Hierarchies('cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\ncgroup /x cgroup rw,cpuacct 0 0\n').size).toBe(0);
  });

  it('place: the instance cgroup in both hierarchies with cfs quota/period, shares and memory.limit_in_bytes; the pid in each', async () => {
    const cg = v1();
    await cg.place(UUID, 4242, { 'quota:cpu_quota': '20000', 'quota:cpu_period': '50000', 'quota:cpu_shares': '2048' }, 128);
    expect(await read(join(leafIn('cpu'), 'cpu.cfs_period_us'))).toBe('50000');
    expect(await read(join(leafIn('cpu'), 'cpu.cfs_quota_us'))).toBe('20000');
    expect(await read(join(leafIn('cpu'), 'cpu.shares'))).toBe('2048');
    expect(await read(join(leafIn('memory'), 'memory.limit_in_bytes'))).toBe(String((128 + 256 + 2) * MiB));
    for (const h of ['cpu', 'memory']) expect(await read(join(leafIn(h), 'cgroup.procs'))).toBe('4242');
    expect(existsSync(join(base, 'cpuset', 'stratus.slice'))).toBe(false);
    expect(existsSync(join(base, 'stratus.slice'))).toBe(false);
    expect(await cg.dirsOf(UUID)).toEqual([leafIn('cpu'), leafIn('memory')]);
    expect(await cg.limitsOf(UUID)).toEqual({ version: 1, cpuMax: '20000 50000', cpuShares: 2048, memoryMax: String((128 + 256 + 2) * MiB) });
  });

  it('place again (a restarted QEMU) resets what the flavor no longer asks: quota -1, shares 1024', async () => {
    const cg = v1();
    await cg.place(UUID, 10, { 'quota:cpu_quota': '20000', 'quota:cpu_shares': '4096', 'quota:memory_limit': '524288' }, 64);
    await cg.place(UUID, 11, {}, 64);
    expect(await read(join(leafIn('cpu'), 'cpu.cfs_quota_us'))).toBe('-1');
    expect(await cg.limitsOf(UUID)).toEqual({ version: 1, cpuMax: 'max 100000', cpuShares: 1024, memoryMax: String((64 + 256 + 1) * MiB) });
  });

  it("limitsOf: v1's unlimited memory reads as max", async () => {
    const cg = v1();
    await cg.place(UUID, 10, {}, 64);
    await writeFile(join(leafIn('memory'), 'memory.limit_in_bytes'), '9223372036854771712\n');
    expect((await cg.limitsOf(UUID)).memoryMax).toBe('max');
  });

  it('cpu and memory mounted together: one directory holds all the files', async () => {
    mounts = `cgroup ${base}/cpu cgroup rw,cpu,cpuacct,memory 0 0\n`;
    const cg = v1();
    await cg.place(UUID, 10, {}, 64);
    expect(await cg.dirsOf(UUID)).toEqual([leafIn('cpu')]);
    expect(await read(join(leafIn('cpu'), 'memory.limit_in_bytes'))).toBe(String((64 + 256 + 1) * MiB));
  });

  it('memory hierarchy not mounted: CgroupsUnavailable naming it, nothing made', async () => {
    mounts = `cgroup ${base}/cpu cgroup rw,cpu 0 0\n`;
    const e = await v1().place(UUID, 10, {}, 64).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CgroupsUnavailable);
    expect((e as Error).message).toMatch(/does not offer the cpu and memory controller .*, and no cgroup v1 hierarchy with the memory controller is mounted/);
    expect(existsSync(join(base, 'cpu', 'stratus.slice'))).toBe(false);
  });

  it('the kernel refuses the move: CgroupsUnavailable with its reason', async () => {
    await mkdir(join(leafIn('memory'), 'cgroup.procs'), { recursive: true }); // writing it fails, as EACCES/EINVAL would
    const e = await v1().place(UUID, 10, {}, 64).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CgroupsUnavailable);
    expect((e as Error).message).toContain(`cannot move QEMU 10 into ${leafIn('memory')}: EISDIR`);
  });

  it('remove: both leaves once the process has left them, then the host and slice levels; idempotent', async () => {
    const cg = v1();
    const other = new GuestCgroups('h2', { root: base, mounts: async () => mounts, removeDir: cgroupRmdir });
    const second = randomUUID();
    await cg.place(UUID, 10, {}, 64);
    await other.place(second, 11, {}, 64);
    setTimeout(() => void Promise.all(['cpu', 'memory'].map((h) => writeFile(join(leafIn(h), 'cgroup.procs'), ''))), 200);
    await cg.remove(UUID);
    for (const h of ['cpu', 'memory']) {
      expect(existsSync(join(base, h, 'stratus.slice', 'compute-1_example_org'))).toBe(false);
      expect(existsSync(join(base, h, 'stratus.slice', 'h2'))).toBe(true);
    }
    for (const dir of await other.dirsOf(second)) await writeFile(join(dir, 'cgroup.procs'), '');
    await other.remove(second);
    for (const h of ['cpu', 'memory']) expect(existsSync(join(base, h, 'stratus.slice'))).toBe(false);
    await other.remove(second);
  });

  it('remove on a host without cgroups has nothing to do', async () => {
    mounts = '';
    await expect(v1().remove(UUID)).resolves.toBeUndefined();
  });
});

/** The real kernel, only where it can be checked: root, and the version this host has. */
const MOUNTS = existsSync('/proc/self/mounts') ? readFileSync('/proc/self/mounts', 'utf8') : '';
const V1 = v1Hierarchies(MOUNTS);
const HAS_V2 = existsSync('/sys/fs/cgroup/cgroup.controllers') && ['cpu', 'memory'].every((c) => readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/).includes(c));
const HAS_V1 = !HAS_V2 && V1.has('cpu') && V1.has('memory');
const ROOT = process.getuid?.() === 0;
const realV2Reason = !ROOT ? 'not root' : !HAS_V2 ? 'no cgroup v2 offering cpu and memory at /sys/fs/cgroup' : null;
const realV1Reason = !ROOT ? 'not root' : HAS_V2 ? 'this host uses cgroup v2' : !HAS_V1 ? 'no cgroup v1 cpu and memory hierarchies in /proc/self/mounts' : null;
const QEMU = ['/usr/bin', '/usr/local/bin'].map((d) => join(d, 'qemu-system-x86_64')).find((p) => existsSync(p));
const realQemuReason = realV1Reason ?? (QEMU === undefined ? 'qemu-system-x86_64 is not installed' : null);

/** Resolves once `pid` (not our child: reaped by whoever adopted it) is gone or a zombie. */
async function gone(pid: number): Promise<void> {
  for (let end = Date.now() + 5000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (stat === null || / Z /.test(stat.slice(stat.lastIndexOf(')')))) return;
  }
  throw new Error(`process ${pid} still running 5 s after SIGKILL`);
}

describe('GuestCgroups on the real kernel', () => {
  it.skipIf(realV2Reason !== null)(`v2: a sleep placed with cpu_quota=20000/period=100000 (not run here: ${realV2Reason ?? 'it runs'})`, async () => {
    const cg = new GuestCgroups(`vitest-${process.pid}`);
    const uuid = randomUUID();
    const sleep = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = sleep.pid!;
    const exited = new Promise((r) => sleep.once('exit', r));
    let dirs: string[] = [];
    try {
      await cg.place(uuid, pid, { 'quota:cpu_quota': '20000', 'quota:cpu_period': '100000' }, 64);
      dirs = await cg.dirsOf(uuid);
      expect(await readFile(`/proc/${pid}/cgroup`, 'utf8')).toContain(`0::${cg.pathOf(uuid)}\n`);
      expect(await cg.limitsOf(uuid)).toEqual({ version: 2, cpuMax: '20000 100000', cpuWeight: 100, memoryMax: String((64 + 256 + 1) * MiB) });
    } finally {
      process.kill(pid, 'SIGKILL');
      await exited;
      await cg.remove(uuid);
    }
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });

  it.skipIf(realV1Reason !== null)(`v1: a sleep placed with cpu_quota=20000/period=100000 and 128 MB (not run here: ${realV1Reason ?? 'it runs'})`, async () => {
    const cg = new GuestCgroups(`vitest-${process.pid}`);
    const uuid = randomUUID();
    const path = cg.pathOf(uuid);
    const [cpu, memory] = [V1.get('cpu')!, V1.get('memory')!];
    const sleep = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = sleep.pid!;
    const exited = new Promise((r) => sleep.once('exit', r));
    let dirs: string[] = [];
    try {
      await cg.place(uuid, pid, { 'quota:cpu_quota': '20000', 'quota:cpu_period': '100000' }, 128);
      dirs = await cg.dirsOf(uuid);
      const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).split('\n');
      const lineOf = (c: string): string | undefined => lines.find((l) => l.split(':')[1]?.split(',').includes(c));
      expect(lineOf('cpu')).toMatch(new RegExp(`:${path}$`));
      expect(lineOf('memory')).toMatch(new RegExp(`:${path}$`));
      expect((await readFile(join(cpu, path, 'cpu.cfs_quota_us'), 'utf8')).trim()).toBe('20000');
      expect((await readFile(join(memory, path, 'memory.limit_in_bytes'), 'utf8')).trim()).toBe(String((128 + 256 + 2) * MiB));
      expect(await cg.limitsOf(uuid)).toEqual({ version: 1, cpuMax: '20000 100000', cpuShares: 1024, memoryMax: String((128 + 256 + 2) * MiB) });
    } finally {
      process.kill(pid, 'SIGKILL');
      await exited;
      await cg.remove(uuid);
    }
    expect(dirs).toEqual([join(cpu, path), join(memory, path)]);
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    for (const h of [cpu, memory]) expect(existsSync(join(h, 'stratus.slice', `vitest-${process.pid}`))).toBe(false);
  });

  it.skipIf(realQemuReason !== null)(`v1: a TCG QEMU placed with quota 10000/100000 is throttled (not run here: ${realQemuReason ?? 'it runs'})`, async () => {
    const cg = new GuestCgroups(`vitest-${process.pid}`);
    const uuid = randomUUID();
    const pidfile = `/tmp/cgv1q-${process.pid}.pid`;
    await execFileAsync(QEMU!, ['-accel', 'tcg', '-m', '64', '-nodefaults', '-display', 'none', '-daemonize', '-pidfile', pidfile]);
    const qemu = Number((await readFile(pidfile, 'utf8')).trim());
    const cpuStat = join(V1.get('cpu')!, cg.pathOf(uuid), 'cpu.stat');
    const stat = async (key: string): Promise<number> => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(await readFile(cpuStat, 'utf8'))?.[1]);
    try {
      await cg.place(uuid, qemu, { 'quota:cpu_quota': '10000', 'quota:cpu_period': '100000' }, 64);
      const before = await stat('nr_throttled');
      let after = before;
      for (const end = Date.now() + 5000; after <= before && Date.now() < end; after = await stat('nr_throttled')) await new Promise((r) => setTimeout(r, 250));
      await new Promise((r) => setTimeout(r, 2000));
      const [periods, throttled, throttledNs] = [await stat('nr_periods'), await stat('nr_throttled'), await stat('throttled_time')];
      console.info(`QEMU ${qemu} at quota 10000/100000: nr_throttled ${before} -> ${after} at first growth, then ${throttled} of ${periods} periods, throttled_time ${(throttledNs / 1e9).toFixed(2)} s`);
      expect(after).toBeGreaterThan(before);
    } finally {
      process.kill(qemu, 'SIGKILL');
      await gone(qemu);
      await rm(pidfile, { force: true });
      await cg.remove(uuid);
    }
    for (const dir of await cg.dirsOf(uuid)) expect(existsSync(dir)).toBe(false);
  }, 30_000);

  it.runIf(realV1Reason !== null && realV2Reason !== null && ROOT)(`this host cannot: place() says so and makes nothing (${realV2Reason ?? ''}; ${realV1Reason ?? ''})`, async () => {
    await expect(new GuestCgroups('vitest').place(randomUUID(), process.pid, {}, 64)).rejects.toThrow(CgroupsUnavailable);
    await expect(stat('/sys/fs/cgroup/stratus.slice')).rejects.toThrow();
  });
});
