import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriverError } from '../driver.js';
import { cgroupLimits, CgroupsUnavailable, GuestCgroups } from './cgroups.js';

const UUID = '0b5f7c3e-1111-4222-8333-444455556666';
const MiB = 1024 * 1024;

describe('cgroupLimits: flavor extra specs as Nova maps them', () => {
  it('defaults: no CPU limit, weight 100, RAM + 256 MiB + 1.5%', () => {
    expect(cgroupLimits({}, 1024)).toEqual({ cpuMax: 'max 100000', cpuWeight: 100, memoryMax: String((1024 + 256 + 16) * MiB) });
    expect(cgroupLimits({}, 64).memoryMax).toBe(String((64 + 256 + 1) * MiB));
  });

  it('cpu_quota and cpu_period -> cpu.max; -1 means no limit', () => {
    expect(cgroupLimits({ 'quota:cpu_quota': '20000', 'quota:cpu_period': '100000' }, 64).cpuMax).toBe('20000 100000');
    expect(cgroupLimits({ 'quota:cpu_quota': '5000' }, 64).cpuMax).toBe('5000 100000');
    expect(cgroupLimits({ 'quota:cpu_quota': '-1', 'quota:cpu_period': '50000' }, 64).cpuMax).toBe('max 50000');
  });

  it("cpu_shares -> cpu.weight with systemd's conversion", () => {
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

  const leaf = (): string => join(root, 'stratus.slice', 'compute-1_example_org', `instance-${UUID}`);

  it('place: enables cpu and memory down the tree, writes the limits, moves the pid', async () => {
    const cg = new GuestCgroups('compute-1.example.org', root, cgroupRmdir);
    await cg.place(UUID, 4242, { 'quota:cpu_quota': '20000', 'quota:cpu_shares': '1024' }, 128);
    for (const dir of [root, join(root, 'stratus.slice'), join(root, 'stratus.slice', 'compute-1_example_org')]) {
      expect(await readFile(join(dir, 'cgroup.subtree_control'), 'utf8')).toBe('+cpu +memory');
    }
    expect(await readFile(join(leaf(), 'cgroup.procs'), 'utf8')).toBe('4242');
    expect(await cg.limitsOf(UUID)).toEqual({ cpuMax: '20000 100000', cpuWeight: 39, memoryMax: String((128 + 256 + 2) * MiB) });
  });

  it('place again (a restarted QEMU) reuses the cgroup and rewrites the limits', async () => {
    const cg = new GuestCgroups('h', root, cgroupRmdir);
    await cg.place(UUID, 10, { 'quota:cpu_quota': '20000' }, 64);
    await cg.place(UUID, 11, {}, 64);
    expect((await cg.limitsOf(UUID)).cpuMax).toBe('max 100000');
  });

  it('place with a bad extra spec touches nothing', async () => {
    const cg = new GuestCgroups('h', root, cgroupRmdir);
    await expect(cg.place(UUID, 10, { 'quota:cpu_period': 'often' }, 64)).rejects.toThrow('Invalid quota:cpu_period value "often"');
    expect(existsSync(join(root, 'stratus.slice'))).toBe(false);
  });

  it('cgroup v1 / hybrid host: CgroupsUnavailable saying so', async () => {
    await rm(join(root, 'cgroup.controllers'));
    const e = await new GuestCgroups('h', root).place(UUID, 10, {}, 64).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CgroupsUnavailable);
    expect((e as Error).message).toMatch(/cgroup v2 is not mounted at .* cgroup v1 or a hybrid layout; guests run without/);
  });

  it('controllers not offered (bound to v1 or not delegated): CgroupsUnavailable naming them', async () => {
    await writeFile(join(root, 'cgroup.controllers'), 'hugetlb pids\n');
    await expect(new GuestCgroups('h', root).place(UUID, 10, {}, 64)).rejects.toThrow(/does not offer the cpu and memory controller/);
  });

  it('controllers cannot be enabled: CgroupsUnavailable', async () => {
    await rm(join(root, 'cgroup.subtree_control'));
    await mkdir(join(root, 'cgroup.subtree_control')); // writing it fails, as EBUSY would on a cgroup holding processes
    await expect(new GuestCgroups('h', root).place(UUID, 10, {}, 64)).rejects.toThrow(CgroupsUnavailable);
  });

  it('remove: the leaf, then the host and slice levels once empty; idempotent', async () => {
    const [a, b] = [new GuestCgroups('h1', root, cgroupRmdir), new GuestCgroups('h2', root, cgroupRmdir)];
    const other = randomUUID();
    await a.place(UUID, 10, {}, 64);
    await b.place(other, 11, {}, 64);
    await writeFile(join(root, 'stratus.slice', 'h1', `instance-${UUID}`, 'cgroup.procs'), ''); // QEMU exited
    await a.remove(UUID);
    const left = await readdir(join(root, 'stratus.slice'), { withFileTypes: true });
    expect(left.filter((e) => e.isDirectory()).map((e) => e.name)).toEqual(['h2']);
    await writeFile(join(b.dirOf(other), 'cgroup.procs'), '');
    await b.remove(other);
    expect(existsSync(join(root, 'stratus.slice'))).toBe(false);
    await b.remove(other);
  });

  it('remove waits for a just-killed process to leave', async () => {
    const cg = new GuestCgroups('h', root, cgroupRmdir);
    await cg.place(UUID, 10, {}, 64);
    setTimeout(() => void writeFile(join(leaf().replace('compute-1_example_org', 'h'), 'cgroup.procs'), ''), 200);
    await cg.remove(UUID);
    expect(existsSync(join(root, 'stratus.slice'))).toBe(false);
  });

  it('uuids that are not uuids never become paths', () => {
    expect(() => new GuestCgroups('h', root).dirOf('../../etc')).toThrow(DriverError);
  });
});

/** The real kernel, only where it can be checked: root and cgroup v2 offering cpu and memory at /sys/fs/cgroup. */
const realReason = ((): string | null => {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync('/sys/fs/cgroup/cgroup.controllers')) return 'no cgroup v2 at /sys/fs/cgroup (cgroup v1 or hybrid host)';
  const offered = readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/);
  if (!offered.includes('cpu') || !offered.includes('memory')) return 'cgroup v2 at /sys/fs/cgroup lacks cpu or memory';
  return null;
})();

describe('GuestCgroups on the real kernel', () => {
  it.skipIf(realReason !== null)(`a sleep placed with cpu_quota=20000/period=100000 (not run here: ${realReason ?? 'it runs'})`, async () => {
    const cg = new GuestCgroups(`vitest-${process.pid}`);
    const uuid = randomUUID();
    const sleep = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = sleep.pid!;
    const exited = new Promise((r) => sleep.once('exit', r));
    try {
      await cg.place(uuid, pid, { 'quota:cpu_quota': '20000', 'quota:cpu_period': '100000' }, 64);
      expect(await readFile(`/proc/${pid}/cgroup`, 'utf8')).toContain(`0::/stratus.slice/vitest-${process.pid}/instance-${uuid}\n`);
      expect(await cg.limitsOf(uuid)).toEqual({ cpuMax: '20000 100000', cpuWeight: 100, memoryMax: String((64 + 256 + 1) * MiB) });
    } finally {
      process.kill(pid, 'SIGKILL');
      await exited;
      await cg.remove(uuid);
    }
    expect(existsSync(cg.dirOf(uuid))).toBe(false);
  });

  it.runIf(realReason !== null && process.getuid?.() === 0)(`this host cannot: place() says so and makes nothing (${realReason ?? ''})`, async () => {
    await expect(new GuestCgroups('vitest').place(randomUUID(), process.pid, {}, 64)).rejects.toThrow(CgroupsUnavailable);
    await expect(stat('/sys/fs/cgroup/stratus.slice')).rejects.toThrow();
  });
});
