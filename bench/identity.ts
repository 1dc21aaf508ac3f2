/**
 * Identity figures for issue 3: start-up time, idle memory, token validation
 * throughput/latency at concurrency 1/16/64, and password authentication rate.
 * Run: npm run bench  (prints a table and the targets; writes bench/results/identity.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { adminPassword, issueToken, load, passwordAuthBody, rssMb, startCloud } from './lib.js';
import { identityFixture } from '../src/identity/test-support.js';

/**
 * Validations answer from a memo until identity's data changes; this measures the
 * path behind it (Fernet decrypt + the database reads + revocation check) in-process.
 */
async function coldValidationsPerSecond(durationMs: number): Promise<number> {
  const f = await identityFixture();
  try {
    const token = await f.adminToken();
    let n = 0;
    const end = performance.now() + durationMs;
    while (performance.now() < end) {
      f.svc.tokens.invalidate();
      await f.svc.tokens.validate(token);
      n++;
    }
    return n / (durationMs / 1000);
  } finally {
    await f.close();
  }
}

const seconds = Number(process.env['BENCH_SECONDS'] ?? 8);
// Shifted ports stay below Linux's ephemeral range (32768+), see test/lib/cloud.ts.
const offset = 20000 + Math.floor(Math.random() * 3000);

const startups: number[] = [];
for (let i = 0; i < 3; i++) {
  const c = await startCloud(offset + i);
  startups.push(c.answeredMs);
  await c.stop();
}
const cloud = await startCloud(offset + 5);
try {
  const password = adminPassword(cloud.dataDir);
  const token = await issueToken(cloud.identityUrl, password);
  await new Promise((r) => setTimeout(r, 3000));
  const idleRss = rssMb(cloud.proc.pid as number);
  const validation: Record<number, Awaited<ReturnType<typeof load>>> = {};
  for (const connections of [1, 16, 64]) {
    validation[connections] = await load({
      url: `${cloud.identityUrl}/v3/auth/tokens`, connections, duration: seconds,
      headers: { 'x-auth-token': token, 'x-subject-token': token },
    });
  }
  const loadedRss = rssMb(cloud.proc.pid as number);
  const passwordAuth = await load({
    url: `${cloud.identityUrl}/v3/auth/tokens?nocatalog`, method: 'POST', connections: 4, duration: seconds,
    headers: { 'content-type': 'application/json' }, body: passwordAuthBody(password),
  });
  const cold = await coldValidationsPerSecond(seconds * 1000);
  const results = {
    coldValidationPerSecond: Math.round(cold),
    startupMs: { runs: startups.map(Math.round), best: Math.round(Math.min(...startups)), target: 1500 },
    idleRssMb: { value: Math.round(idleRss), afterLoad: Math.round(loadedRss), target: 120 },
    tokenValidation: validation,
    passwordAuth: { ...passwordAuth, hash: 'scrypt N=2^14 r=8 p=1 (default [identity] scrypt_n_bits=14)' },
  };
  const say = (s: string): boolean => process.stdout.write(`${s}\n`);
  say(`start-up to identity answering: ${results.startupMs.runs.join(' / ')} ms (target < 1500 ms)`);
  say(`idle RSS: ${results.idleRssMb.value} MB, after load ${results.idleRssMb.afterLoad} MB (target < 120 MB)`);
  for (const [c, r] of Object.entries(validation)) {
    say(`token validation c=${c}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}, non-2xx ${r.non2xx}`);
  }
  say(`  (target at c=16: >= 5000 req/s and p99 < 10 ms)`);
  say(`token validation without the memo (in-process, one core): ${results.coldValidationPerSecond} validations/s`);
  say(`password auth c=4: ${Math.round(passwordAuth.rps)} req/s, p50 ${passwordAuth.p50} ms, p99 ${passwordAuth.p99} ms, non-2xx ${passwordAuth.non2xx} [${results.passwordAuth.hash}]`);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/identity.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
} finally {
  await cloud.stop();
}
