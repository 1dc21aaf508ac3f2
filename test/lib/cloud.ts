/**
 * Starts a throw-away all-in-one cloud for a test tier, exactly as a user would
 * (`stratus up --data-dir DIR --port-offset N`), and tears it down again: only the
 * process we spawned (by PID) is stopped and only the temp dir we made is removed,
 * also when the harness itself is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { onExit } from './exit.js';
import { repoRoot } from './paths.js';
import { cleanOsEnv, tail } from './proc.js';

/** One entry of clouds.yaml (`clouds: NAME: ...`), as openstacksdk reads it. */
export interface CloudEntry {
  auth: {
    auth_url: string;
    username?: string;
    password?: string;
    project_name?: string;
    user_domain_name?: string;
    project_domain_name?: string;
    [key: string]: unknown;
  };
  region_name?: string;
  identity_api_version?: string | number;
  [key: string]: unknown;
}

export interface Cloud {
  dataDir: string;
  portOffset: number;
  /** Base URL of Keystone, e.g. http://127.0.0.1:25000 (no /v3). */
  identityUrl: string;
  pid: number;
  logFile: string;
  cloudsFile: string;
  openrcFile: string;
  /** Parsed clouds.yaml: at least `stratus` (admin) and `stratus-demo`. */
  clouds: Record<string, CloudEntry>;
  /** Stops the process (SIGTERM, SIGKILL after 5 s) and removes the data dir. Idempotent. */
  stop(): Promise<void>;
  /**
   * Ends the process with `signal` (SIGTERM: a clean stop; SIGKILL: a crash) and starts
   * the cloud again on the same data dir and ports, resolving when it is ready again.
   */
  restart(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface StartOptions {
  /** Used in the temp dir name and messages. */
  tier: string;
  /** Content for DIR/stratus.conf (oslo.config INI); none when omitted. */
  conf?: string;
  /** How long to wait for "Stratus is ready"; default 30 s. */
  readyTimeoutMs?: number;
  /** When set, stop() copies stratus.log there before removing the data dir. */
  resultsDir?: string;
}

const READY = 'Stratus is ready';
/** OpenStack's default ports; the cloud listens on each plus the offset. */
const DEFAULT_PORTS = [5000, 8774, 8775, 8778, 9292, 9696, 8776, 8080, 6080];
const MAIN_JS = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
/** Tests start the cloud the way users do, through the launcher (it sets memory knobs). */
const LAUNCHER = join(repoRoot, 'bin', 'stratus');

/** True when `port` can be bound on 127.0.0.1 right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A random offset in 20000..23000 whose default ports are all free. Every shifted port
 * stays below 32768, where Linux's ephemeral range starts, so a client connection can
 * never be holding the port the cloud is about to listen on.
 */
export async function pickPortOffset(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const n = 20000 + Math.floor(Math.random() * 3001);
    let free = true;
    for (const p of DEFAULT_PORTS) {
      if (!(await portFree(p + n))) {
        free = false;
        break;
      }
    }
    if (free) return n;
  }
  throw new Error('no free port offset found in 20000..23000');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function killChild(child: ChildProcess): Promise<void> {
  // No pid: it never started, so there is nothing to wait for.
  if (child.pid === undefined || exited(child)) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
  if ((await Promise.race([gone, timer])) === 'timeout' && !exited(child)) {
    child.kill('SIGKILL');
    await gone;
  }
}

/** One attempt: spawn on `offset`; resolves with the cloud or rejects with the log tail. */
async function startOnce(opts: StartOptions, offset: number): Promise<Cloud> {
  const dataDir = mkdtempSync(join(tmpdir(), `stratus-${opts.tier}-`));
  const logFile = join(dataDir, 'stratus.log');
  if (opts.conf !== undefined) writeFileSync(join(dataDir, 'stratus.conf'), opts.conf);
  const launch = (): ChildProcess => {
    const logFd = openSync(logFile, 'a');
    try {
      return spawn(LAUNCHER, ['up', '--data-dir', dataDir, '--port-offset', String(offset)], {
        cwd: dataDir,
        env: cleanOsEnv(),
        stdio: ['ignore', logFd, logFd],
      });
    } finally {
      closeSync(logFd);
    }
  };
  let child = launch();
  let stopped = false;
  const removeDir = () => {
    if (process.env.STRATUS_TEST_KEEP === '1') return;
    rmSync(dataDir, { recursive: true, force: true });
  };
  const unregister = onExit(() => {
    if (!exited(child)) child.kill('SIGKILL');
    removeDir();
  });
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await killChild(child);
      if (opts.resultsDir && existsSync(logFile)) {
        mkdirSync(opts.resultsDir, { recursive: true });
        copyFileSync(logFile, join(opts.resultsDir, 'stratus.log'));
      }
    } finally {
      removeDir();
      unregister();
      if (process.env.STRATUS_TEST_KEEP === '1') process.stderr.write(`kept ${dataDir}\n`);
    }
  };

  let spawnError: Error | undefined;
  const readyCount = (): number => readText(logFile).split(READY).length - 1;
  /** Waits for the `n`th "ready" line of the log (a restart appends to the same log). */
  const waitReady = async (n: number): Promise<void> => {
    child.on('error', (e) => {
      spawnError = e;
    });
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (readyCount() >= n) return;
      if (spawnError || exited(child)) {
        const why = spawnError ? spawnError.message : `exited with ${child.exitCode ?? child.signalCode}`;
        throw new Error(`stratus up ${why} before "${READY}"`);
      }
      if (Date.now() > deadline) throw new Error(`no "${READY}" within ${(opts.readyTimeoutMs ?? 30_000) / 1000} s`);
      await sleep(100);
    }
  };
  const restart = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const before = readyCount();
    if (!exited(child)) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      await gone;
    }
    child = launch();
    await waitReady(before + 1);
  };
  try {
    await waitReady(1);
    const cloudsFile = join(dataDir, 'clouds.yaml');
    const parsed = parseYaml(readFileSync(cloudsFile, 'utf8')) as { clouds?: Record<string, CloudEntry> } | null;
    const clouds = parsed?.clouds ?? {};
    if (!clouds.stratus) throw new Error(`${cloudsFile} has no "stratus" cloud`);
    return {
      dataDir,
      portOffset: offset,
      identityUrl: clouds.stratus.auth.auth_url.replace(/\/v3\/?$/, '').replace(/\/$/, ''),
      pid: child.pid ?? -1,
      logFile,
      cloudsFile,
      openrcFile: join(dataDir, 'openrc'),
      clouds,
      stop,
      restart,
    };
  } catch (e) {
    const log = readText(logFile);
    await stop();
    const err = new Error(`${(e as Error).message}\n--- ${logFile} (tail) ---\n${tail(log, 40)}`);
    (err as Error & { addressInUse?: boolean }).addressInUse = /EADDRINUSE/.test(log);
    throw err;
  }
}

/**
 * Starts a cloud for `opts.tier` and waits until it is ready. Callers own the result
 * and must `await cloud.stop()` in a finally block.
 */
export async function startCloud(opts: StartOptions): Promise<Cloud> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} not found: run "npx tsc -p tsconfig.json" first`);
  for (let attempt = 1; ; attempt++) {
    const offset = await pickPortOffset();
    try {
      return await startOnce(opts, offset);
    } catch (e) {
      // Someone may have taken a port between our check and the bind: try elsewhere.
      if (attempt < 3 && (e as { addressInUse?: boolean }).addressInUse) continue;
      throw e;
    }
  }
}

/** Runs `fn` against a fresh cloud and always stops the cloud afterwards. */
export async function withCloud<T>(opts: StartOptions, fn: (cloud: Cloud) => Promise<T>): Promise<T> {
  const cloud = await startCloud(opts);
  try {
    return await fn(cloud);
  } finally {
    await cloud.stop();
  }
}
