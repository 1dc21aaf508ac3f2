import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface BenchCloud {
  proc: ChildProcess;
  dataDir: string;
  identityUrl: string;
  /** ms from spawn until GET /v3 answered. */
  answeredMs: number;
  /** ms from spawn until "Stratus is ready" was printed (-1 when it was not within readyTimeoutMs). */
  readyMs: number;
  /** Everything the process printed so far (its pino log lines included). */
  output(): string;
  /** SIGTERM, wait for the exit, then remove the data dir unless `keepDataDir` (to start another cloud on it). */
  stop(opts?: { keepDataDir?: boolean }): Promise<void>;
}

export interface StartCloudOptions {
  /** Start on this existing data dir (a stopped cloud's, kept) instead of a fresh one; `conf` is then not written. */
  dataDir?: string;
  /** How long to wait for "Stratus is ready" (the all-in-one reconciles its network agent first); default 30 s. */
  readyTimeoutMs?: number;
}

/** The launcher users run (it sets the memory knobs), not main.js directly. */
const launcher = new URL('../../bin/stratus', import.meta.url).pathname;

/** Starts `stratus up` on a fresh data dir (or `opts.dataDir`) and times start-up from the outside. */
export async function startCloud(portOffset: number, conf = '', opts: StartCloudOptions = {}): Promise<BenchCloud> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'stratus-bench-'));
  if (conf && !opts.dataDir) writeFileSync(join(dataDir, 'stratus.conf'), conf);
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const identityUrl = `http://127.0.0.1:${5000 + portOffset}`;
  const t0 = performance.now();
  const proc = spawn(launcher, ['up', '--data-dir', dataDir, '--port-offset', String(portOffset)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let readyMs = -1;
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
    if (readyMs < 0 && output.includes('Stratus is ready')) readyMs = performance.now() - t0;
  });
  proc.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  let answeredMs = -1;
  while (performance.now() - t0 < 30_000) {
    try {
      const res = await fetch(`${identityUrl}/v3`);
      if (res.ok) { answeredMs = performance.now() - t0; break; }
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 5));
  }
  while (readyMs < 0 && proc.exitCode === null && performance.now() - t0 < readyTimeoutMs) await new Promise((r) => setTimeout(r, 5));
  const stop = async (stopOpts: { keepDataDir?: boolean } = {}): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    if (!stopOpts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  if (answeredMs < 0) {
    await stop();
    throw new Error(`cloud did not answer in 30 s:\n${output}`);
  }
  return { proc, dataDir, identityUrl, answeredMs, readyMs, output: () => output, stop };
}

export function adminPassword(dataDir: string): string {
  const secrets = JSON.parse(readFileSync(join(dataDir, 'bootstrap-secrets.json'), 'utf8')) as { adminPassword: string };
  return secrets.adminPassword;
}

export function passwordAuthBody(password: string): string {
  return JSON.stringify({ auth: {
    identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } },
    scope: { project: { name: 'admin', domain: { id: 'default' } } },
  } });
}

export async function issueToken(url: string, password: string): Promise<string> {
  const res = await fetch(`${url}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: passwordAuthBody(password) });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) throw new Error(`token issue failed: ${res.status} ${await res.text()}`);
  return token;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export interface LoadResult { rps: number; p50: number; p99: number; errors: number; non2xx: number }

/** A bounded load on loopback with autocannon (keep-alive connections). */
export async function load(opts: autocannon.Options): Promise<LoadResult> {
  const r = await autocannon({ ...opts });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

/** A bench size from the environment (BENCH_*), or its default. */
export const envNumber = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
