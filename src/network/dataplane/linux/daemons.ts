import { readdir, readFile } from 'node:fs/promises';

/**
 * What the agent's long-lived helper processes (dnsmasq, the metadata proxies) share:
 * they outlive the agent, a restarted agent finds them again through their pid files,
 * and a PID is only ever signalled after /proc shows it is still the process we mean
 * (a pid file may be stale and its PID reused by anything).
 */

const STOP_WAIT_MS = 2_000;
const POLL_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const readText = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

/** How to recognise one daemon. */
export interface DaemonIdentity {
  /** Where the daemon's PID is written (by the daemon itself or by whoever started it). */
  pidFile: string;
  /** Whether a command line (program first) is this daemon's; it must be precise enough to tell two agents' daemons apart. */
  matches(argv: readonly string[]): boolean;
}

/** A daemon found running: its PID and its arguments (the program left out). */
export interface RunningDaemon {
  pid: number;
  args: string[];
}

/** The arguments of `pid` when its command line is the daemon's; undefined for anything else, a zombie or a gone process. */
export async function daemonArgs(pid: number, daemon: DaemonIdentity): Promise<string[] | undefined> {
  const raw = await readText(`/proc/${pid}/cmdline`);
  if (!raw) return undefined;
  const argv = raw.split('\0').slice(0, -1);
  return argv.length > 0 && daemon.matches(argv) ? argv.slice(1) : undefined;
}

/** The daemon: by its pid file, else by looking through /proc (a pid file lost in a crash). */
export async function findDaemon(daemon: DaemonIdentity): Promise<RunningDaemon | undefined> {
  const pid = Number((await readText(daemon.pidFile))?.trim());
  if (Number.isInteger(pid) && pid > 0) {
    const args = await daemonArgs(pid, daemon);
    if (args) return { pid, args };
  }
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const args = await daemonArgs(Number(entry), daemon);
    if (args) return { pid: Number(entry), args };
  }
  return undefined;
}

/** SIGTERM, then SIGKILL after 2 s; each signal only after /proc confirms the process is still the daemon. */
export async function stopDaemon(pid: number, daemon: DaemonIdentity): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    if (!(await daemonArgs(pid, daemon))) return;
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
      throw err;
    }
    for (let waited = 0; waited < STOP_WAIT_MS; waited += POLL_MS) {
      await sleep(POLL_MS);
      // Gone, or a zombie whose parent has not reaped it: either way no longer serving.
      if (!(await daemonArgs(pid, daemon))) return;
    }
  }
  throw new Error(`process ${pid} did not stop`);
}

/** Stops every instance of the daemon (a crash may have left two); returns the PIDs stopped. */
export async function stopAllOf(daemon: DaemonIdentity): Promise<number[]> {
  const stopped: number[] = [];
  for (let found = await findDaemon(daemon); found; found = await findDaemon(daemon)) {
    await stopDaemon(found.pid, daemon);
    stopped.push(found.pid);
  }
  return stopped;
}

export const sameArgs = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * One operation at a time per key (a network, a namespace): two overlapping syncs must
 * not start two processes. After close() new operations are refused and the ones under
 * way are awaited.
 */
export class DaemonQueue {
  private readonly queues = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(private readonly what: string) {}

  run<T>(key: string, op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${this.what} closed`));
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(op);
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.queues.values()]);
  }
}
