import { readFile, rm } from 'node:fs/promises';
import { CommandFailed, runCommand } from '../../../core/exec.js';
import { DriverError } from '../driver.js';
import type { InstancePaths } from './instance-files.js';

export const QEMU_BINARY = 'qemu-system-x86_64';

/**
 * Starts QEMU daemonized: it detaches into its own session (so the agent's restart or
 * a signal to the agent's process group leaves guests running) and the command returns
 * only once QEMU has opened its disks, taps and sockets, with its pid in the pid file.
 * `netns` runs it inside a namespace (a fake host's taps live there).
 */
export async function launchQemu(paths: InstancePaths, args: string[], netns?: string): Promise<number> {
  await rm(paths.pidFile, { force: true });
  await rm(paths.qmp, { force: true });
  try {
    await runCommand(QEMU_BINARY, args, { timeoutMs: 60_000, ...(netns ? { netns } : {}) });
  } catch (e) {
    if (e instanceof CommandFailed) throw new DriverError(`QEMU did not start: ${e.stderr.trim().split('\n').slice(-3).join(' ')}`);
    throw e;
  }
  const pid = await readPid(paths);
  if (pid === null) throw new DriverError('QEMU did not start: no pid file');
  return pid;
}

export async function readPid(paths: InstancePaths): Promise<number | null> {
  const text = await readFile(paths.pidFile, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

/**
 * The instance's QEMU when it runs: the pid from its pid file, alive and really QEMU for
 * this instance (its command line names the uuid), never a process that reused the pid.
 */
export async function runningPid(paths: InstancePaths, uuid: string): Promise<number | null> {
  const pid = await readPid(paths);
  if (pid === null) return null;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes(`instance-${uuid}`)) return null;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === '' ? null : pid;
}

/** Waits until the process is gone; false when it is still there after `timeoutMs`. */
export async function waitForExit(paths: InstancePaths, uuid: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await runningPid(paths, uuid)) === null) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return (await runningPid(paths, uuid)) === null;
}

/** Kills the instance's own QEMU by pid (checked first) and waits for it to go. */
export async function killQemu(paths: InstancePaths, uuid: string): Promise<void> {
  const pid = await runningPid(paths, uuid);
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
  if (!(await waitForExit(paths, uuid, 10_000))) throw new DriverError(`QEMU ${pid} of instance ${uuid} did not die`);
}

/** QEMU's version as Nova's integer (7.2.22 -> 7002022). */
export async function qemuVersion(): Promise<number> {
  const out = await runCommand(QEMU_BINARY, ['--version']);
  const m = /version (\d+)\.(\d+)\.(\d+)/.exec(out);
  return m ? Number(m[1]) * 1_000_000 + Number(m[2]) * 1000 + Number(m[3]) : 0;
}
