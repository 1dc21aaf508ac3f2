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
  /** ms from spawn until "Stratus is ready" was printed. */
  readyMs: number;
  stop(): Promise<void>;
}

/** The launcher users run (it sets the memory knobs), not main.js directly. */
const launcher = new URL('../../bin/stratus', import.meta.url).pathname;

/** Starts `stratus up` on a fresh data dir and times start-up from the outside. */
export async function startCloud(portOffset: number, conf = ''): Promise<BenchCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-'));
  if (conf) writeFileSync(join(dataDir, 'stratus.conf'), conf);
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
  while (readyMs < 0 && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (answeredMs < 0) {
    await stop();
    throw new Error(`cloud did not answer in 30 s:\n${output}`);
  }
  return { proc, dataDir, identityUrl, answeredMs, readyMs, stop };
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
