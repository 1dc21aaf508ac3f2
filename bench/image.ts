/**
 * Image figures for issue 4: upload and download of a 2 GiB image through the API
 * beside `dd` writing the same bytes to the same disk (conv=fdatasync), the server's
 * RSS growth during each transfer, and the p50 latency of listing a page of 25 and of
 * 1,000 out of 5,000 images.
 * Run: npm run bench:image  (prints a table; writes bench/results/image.json)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { adminPassword, issueToken, load, rssMb, startCloud } from './lib.js';

const GiB = 1024 ** 3;
const SIZE = Number(process.env['BENCH_IMAGE_BYTES'] ?? 2 * GiB);
const CHUNK = randomBytes(4 * 1024 * 1024);
const offset = Number(process.env['BENCH_PORT_OFFSET'] ?? 24000);

/** Samples a process's RSS every 50 ms until stopped; returns the peak in MB. */
function sampleRss(pid: number): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => { peak = Math.max(peak, rssMb(pid)); }, 50);
  return { stop: () => { clearInterval(timer); return Math.max(peak, rssMb(pid)); } };
}

/** The baseline: dd writing SIZE bytes of the same 4 MiB pattern to the same filesystem, fdatasync'ed. */
function ddMbPerSecond(dir: string): number {
  const pattern = join(dir, 'pattern.bin');
  writeFileSync(pattern, CHUNK);
  const target = join(dir, 'dd.bin');
  const count = Math.ceil(SIZE / CHUNK.length);
  // Reading the 4 MiB pattern from page cache costs nothing next to writing; what
  // dd measures is the disk, which is what the upload must keep up with.
  const script = `for i in $(seq ${count}); do cat ${pattern}; done | dd of=${target} bs=4M iflag=fullblock conv=fdatasync 2>&1`;
  const t0 = performance.now();
  execFileSync('bash', ['-c', script]);
  const seconds = (performance.now() - t0) / 1000;
  rmSync(target, { force: true });
  rmSync(pattern, { force: true });
  return SIZE / 1e6 / seconds;
}

async function api(url: string, token: string, method: string, body?: unknown): Promise<Response> {
  return fetch(url, { method, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
}

/** Streams SIZE bytes to PUT .../file with backpressure; resolves with MB/s when the 204 arrives. */
function upload(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { method: 'PUT', headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': String(SIZE) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 204 ? resolve(SIZE / 1e6 / ((performance.now() - t0) / 1000)) : reject(new Error(`upload answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < SIZE) {
        const n = Math.min(CHUNK.length, SIZE - sent);
        sent += n;
        if (!req.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) { req.once('drain', pump); return; }
      }
      req.end();
    };
    pump();
  });
}

function download(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let got = 0;
    request(url, { headers: { 'x-auth-token': token } }, (res) => {
      res.on('data', (d: Buffer) => { got += d.length; });
      res.on('end', () => (got === SIZE ? resolve(SIZE / 1e6 / ((performance.now() - t0) / 1000)) : reject(new Error(`downloaded ${got} of ${SIZE}`))));
    }).on('error', reject).end();
  });
}

const cloud = await startCloud(offset);
const results: Record<string, number> = {};
try {
  const token = await issueToken(cloud.identityUrl, adminPassword(cloud.dataDir));
  const imageUrl = `http://127.0.0.1:${9292 + offset}`;
  results['dd_write_mb_s'] = ddMbPerSecond(cloud.dataDir);

  const created = (await (await api(`${imageUrl}/v2/images`, token, 'POST', { name: 'big', disk_format: 'raw', container_format: 'bare' })).json()) as { id: string };
  const before = rssMb(cloud.proc.pid!);
  let rss = sampleRss(cloud.proc.pid!);
  results['upload_mb_s'] = await upload(`${imageUrl}/v2/images/${created.id}/file`, token);
  results['upload_rss_growth_mb'] = rss.stop() - before;
  const beforeDown = rssMb(cloud.proc.pid!);
  rss = sampleRss(cloud.proc.pid!);
  results['download_mb_s'] = await download(`${imageUrl}/v2/images/${created.id}/file`, token);
  results['download_rss_growth_mb'] = rss.stop() - beforeDown;
  await api(`${imageUrl}/v2/images/${created.id}`, token, 'DELETE');

  // 5,000 images, created 16 at a time.
  const total = Number(process.env['BENCH_IMAGE_COUNT'] ?? 5000);
  for (let i = 0; i < total; i += 16) {
    await Promise.all(Array.from({ length: Math.min(16, total - i) }, (_, j) =>
      api(`${imageUrl}/v2/images`, token, 'POST', { name: `img-${i + j}`, disk_format: 'qcow2', container_format: 'bare', visibility: 'public', os_distro: 'cirros' }).then((r) => r.arrayBuffer())));
  }
  for (const [label, limit] of [['list_25', 25], ['list_1000', 1000]] as const) {
    const r = await load({ url: `${imageUrl}/v2/images?limit=${limit}`, headers: { 'x-auth-token': token }, connections: 1, duration: 5 });
    results[`${label}_p50_ms`] = r.p50;
    results[`${label}_rps`] = r.rps;
    if (r.non2xx || r.errors) throw new Error(`${label}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  }
} finally {
  await cloud.stop();
}

const ratio = (a = 0, b = 1): string => `${((a / b) * 100).toFixed(0)} %`;
const line = (k: string, v: string, target = ''): void => { process.stdout.write(`${k.padEnd(34)} ${v.padStart(12)}   ${target}\n`); };
line('dd write (fdatasync)', `${results['dd_write_mb_s']?.toFixed(0)} MB/s`);
line('upload 2 GiB', `${results['upload_mb_s']?.toFixed(0)} MB/s`, `${ratio(results['upload_mb_s'], results['dd_write_mb_s'])} of dd (target >= 90 %)`);
line('  RSS growth during upload', `${results['upload_rss_growth_mb']?.toFixed(1)} MB`, 'target < 64 MB');
line('download 2 GiB', `${results['download_mb_s']?.toFixed(0)} MB/s`, `${ratio(results['download_mb_s'], results['dd_write_mb_s'])} of dd write`);
line('  RSS growth during download', `${results['download_rss_growth_mb']?.toFixed(1)} MB`, 'target < 64 MB');
line('image list, page of 25 (of 5,000)', `${results['list_25_p50_ms']} ms p50`, `${results['list_25_rps']?.toFixed(0)} req/s`);
line('image list, page of 1,000', `${results['list_1000_p50_ms']} ms p50`, `${results['list_1000_rps']?.toFixed(0)} req/s`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/image.json', `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`);
