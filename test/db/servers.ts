/**
 * Throw-away database servers for the `db` tier: a PostgreSQL cluster and a MariaDB
 * server, each in its own temp dir, listening only on 127.0.0.1 on a free port in
 * 20000..32767 with its socket and pid file inside that dir. They run with durability
 * switched off (fsync, doublewrite, ...) because their data is deleted a minute later.
 * Otherwise they keep the engines' built-in defaults (--no-defaults: MariaDB's latin1
 * server charset, case-insensitive collation), the least forgiving setup Stratus must
 * cope with.
 *
 * Only the server process we started is ever signalled (by the PID it wrote into our
 * own temp dir, checked against /proc before each signal) and only our temp dir is
 * removed, also when the harness is interrupted (onExit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { portFree } from '../lib/cloud.js';
import { onExit } from '../lib/exit.js';
import { run, tail, type RunResult } from '../lib/proc.js';

export type Engine = 'postgresql' | 'mariadb';

export interface DbServer {
  engine: Engine;
  /** Connection URL for STRATUS_TEST_DATABASE_URL (a user with a password, over TCP). */
  url: string;
  pid: number;
  dir: string;
  /** Stops the server (by PID) and removes its temp dir; idempotent, never throws. */
  stop(): Promise<void>;
}

const PASSWORD = 'stratus-db-tier';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** The newest installed PostgreSQL's bin dir (Debian: /usr/lib/postgresql/<major>/bin). */
export function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base).filter((v) => /^\d+$/.test(v) && existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(base, majors[0], 'bin');
}

export function mariadbBins(): { installDb: string; server: string } | undefined {
  const installDb = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'].find((f) => existsSync(f));
  const server = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((f) => existsSync(f));
  return installDb && server ? { installDb, server } : undefined;
}

/** Why a server cannot be started here, or undefined when it can. */
export function unavailable(engine: Engine): string | undefined {
  if (engine === 'postgresql') return postgresBin() ? undefined : 'PostgreSQL (initdb) not installed';
  return mariadbBins() ? undefined : 'MariaDB (mariadbd, mariadb-install-db) not installed';
}

async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below 32768, where Linux's ephemeral range starts (see pickPortOffset in cloud.ts).
    const port = 20000 + Math.floor(Math.random() * 12768);
    if (await portFree(port)) return port;
  }
  throw new Error('no free port found in 20000..32767');
}

/** The account a server runs as: its Debian system user when we are root, else ourselves. */
function account(engine: Engine): { name: string; uid: number; gid: number } | undefined {
  if (!isRoot) return undefined;
  const name = engine === 'postgresql' ? 'postgres' : 'mysql';
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`system user ${name} not found (is the ${engine} package installed?)`);
  return { name, uid: Number(uid), gid: Number(gid) };
}

/** Runs `cmd` as the server account (via runuser when root). */
function runAs(user: string | undefined, cmd: string, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  if (!user) return run(cmd, args, { timeoutMs });
  return run('runuser', ['-u', user, '--', cmd, ...args], { timeoutMs });
}

function check(what: string, r: RunResult): void {
  if (r.code !== 0) throw new Error(`${what} failed (${r.spawnError?.message ?? `exit ${r.code}`}): ${tail(`${r.stdout}\n${r.stderr}`, 15)}`);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]?.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True while `pid` is alive and still the server whose command line names our dir. */
function isOurs(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Signals `pid` (only while it is still our server) and waits up to `ms` for it to go;
 * escalates to SIGKILL after that.
 */
async function stopPid(pid: number, dir: string, signal: NodeJS.Signals, ms = 10_000): Promise<void> {
  if (!isOurs(pid, dir)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + ms;
  while (isOurs(pid, dir) && Date.now() < deadline) await sleep(50);
  if (isOurs(pid, dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    while (isOurs(pid, dir)) await sleep(50);
  }
}

/** Shared shape of both servers: temp dir, exit handler, idempotent stop. */
function lifecycle(engine: Engine, dir: string, pidOf: () => number | undefined, signal: NodeJS.Signals) {
  let stopped = false;
  const unregister = onExit(() => {
    // No event loop at exit: signal synchronously, then remove the dir.
    const pid = pidOf();
    if (pid !== undefined && isOurs(pid, dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      const pid = pidOf();
      if (pid !== undefined) await stopPid(pid, dir, signal);
    } catch (e) {
      process.stderr.write(`db tier: stopping ${engine}: ${(e as Error).message}\n`);
    } finally {
      if (process.env.STRATUS_TEST_KEEP === '1') process.stderr.write(`kept ${dir}\n`);
      else rmSync(dir, { recursive: true, force: true });
      unregister();
    }
  };
}

/**
 * initdb into a temp dir, then `pg_ctl start` on 127.0.0.1:<free port> with the socket
 * in the temp dir; the superuser `stratus` logs in with a password (scram-sha-256).
 */
export async function startPostgres(): Promise<DbServer> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed');
  const owner = account('postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'stratus-db-pg-'));
  const data = join(dir, 'data');
  // SIGINT is PostgreSQL's "fast" shutdown: ends sessions, no waiting for clients.
  const stop = lifecycle('postgresql', dir, () => readPid(join(data, 'postmaster.pid')), 'SIGINT');
  try {
    if (owner) chownSync(dir, owner.uid, owner.gid);
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
    if (owner) chownSync(pwfile, owner.uid, owner.gid);
    check('initdb', await runAs(owner?.name, join(bin, 'initdb'), [
      '-D', data, '-U', 'stratus', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C',
    ]));
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      // Durability off (a throw-away cluster) and enough connections for parallel fixtures.
      const opts = `-p ${port} -h 127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
      const r = await runAs(owner?.name, join(bin, 'pg_ctl'), ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'server.log'), '-o', opts]);
      const pid = readPid(join(data, 'postmaster.pid'));
      if (r.code === 0 && pid !== undefined) {
        return { engine: 'postgresql', url: `postgresql://stratus:${PASSWORD}@127.0.0.1:${port}/postgres`, pid, dir, stop };
      }
      const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
      if (attempt < 3 && /already in use/.test(log)) continue;
      throw new Error(`pg_ctl start failed (exit ${r.code}): ${tail(`${r.stderr}\n${log}`, 15)}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * mariadb-install-db into a temp dir, then mariadbd (as mysql when root) on
 * 127.0.0.1:<free port> with its socket and pid file in the temp dir; a user `stratus`
 * with a password gets all privileges (it creates and drops one database per fixture).
 */
export async function startMariadb(): Promise<DbServer> {
  const bins = mariadbBins();
  if (!bins) throw new Error('MariaDB is not installed');
  const owner = account('mariadb');
  const user = owner?.name ?? userInfo().username;
  const dir = mkdtempSync(join(tmpdir(), 'stratus-db-mariadb-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const pidFile = join(dir, 'mysqld.pid');
  let child: ChildProcess | undefined;
  const stop = lifecycle('mariadb', dir, () => readPid(pidFile) ?? child?.pid, 'SIGTERM');
  try {
    if (owner) chownSync(dir, owner.uid, owner.gid);
    check('mariadb-install-db', await run(bins.installDb, [
      '--no-defaults', `--user=${user}`, `--datadir=${data}`, '--auth-root-authentication-method=normal',
      '--skip-test-db', '--skip-name-resolve',
    ], { timeoutMs: 120_000 }));
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const log = join(dir, `error-${attempt}.log`);
      // mariadbd drops to --user itself, so the PID we spawn is the server's.
      const args = [
        '--no-defaults', `--user=${user}`, `--datadir=${data}`, `--socket=${socket}`, `--pid-file=${pidFile}`,
        `--port=${port}`, '--bind-address=127.0.0.1', `--log-error=${log}`, '--skip-log-bin', '--skip-name-resolve',
        // Durability off: a throw-away server.
        '--innodb-flush-log-at-trx-commit=0', '--innodb-doublewrite=0', '--innodb-flush-method=nosync',
        '--innodb-buffer-pool-size=128M', '--max-connections=500',
      ];
      const server = spawn(bins.server, args, { stdio: 'ignore' });
      child = server;
      server.on('error', () => undefined);
      const deadline = Date.now() + 60_000;
      let pid: number | undefined;
      while (Date.now() < deadline) {
        pid = readPid(pidFile);
        if (pid !== undefined && existsSync(socket)) break;
        if (server.exitCode !== null || server.signalCode !== null) break;
        await sleep(100);
      }
      if (pid !== undefined && existsSync(socket)) {
        await createMariadbUser(socket);
        return { engine: 'mariadb', url: `mysql://stratus:${PASSWORD}@127.0.0.1:${port}/stratus`, pid, dir, stop };
      }
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      if (server.pid !== undefined) await stopPid(server.pid, dir, 'SIGKILL', 5000);
      if (attempt < 3 && /Address already in use|Can't start server: Bind/.test(text)) continue;
      throw new Error(`mariadbd did not start: ${tail(text, 15)}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
}

async function createMariadbUser(socket: string): Promise<void> {
  const mysql = await import('mysql2/promise');
  const conn = await mysql.createConnection({ socketPath: socket, user: 'root' });
  try {
    await conn.query(`CREATE USER 'stratus'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`);
    await conn.query(`GRANT ALL PRIVILEGES ON *.* TO 'stratus'@'127.0.0.1'`);
  } finally {
    await conn.end();
  }
}
