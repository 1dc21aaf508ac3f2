/**
 * Placement figures for issue 6: GET /allocation_candidates with 1,000 compute-node
 * providers (p50/p99 for one client and at concurrency 8), and claims (PUT
 * /allocations) at concurrency 16 against those providers. Target: candidates p50 small
 * enough that a 1,000-boot schedule is not bound by Placement.
 * Run: npm run bench:placement  (prints a table; writes bench/results/placement.json)
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { adminPassword, issueToken, load, rssMb, startCloud } from './lib.js';

const PROVIDERS = Number(process.env['BENCH_PROVIDERS'] ?? 1000);
const CLAIMS = Number(process.env['BENCH_CLAIMS'] ?? 1000);
const offset = Number(process.env['BENCH_PORT_OFFSET'] ?? 25500);

async function main(): Promise<void> {
  const cloud = await startCloud(offset);
  try {
    const token = await issueToken(cloud.identityUrl, adminPassword(cloud.dataDir));
    const base = `http://127.0.0.1:${8778 + offset}`;
    const headers = { 'x-auth-token': token, 'content-type': 'application/json', 'openstack-api-version': 'placement 1.39' };
    const api = async (method: string, path: string, body?: unknown): Promise<any> => {
      const res = await fetch(`${base}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.status === 204 ? undefined : res.json();
    };
    const t0 = performance.now();
    const uuids: string[] = [];
    for (let i = 0; i < PROVIDERS; i += 16) {
      await Promise.all(Array.from({ length: Math.min(16, PROVIDERS - i) }, async (_, j) => {
        const rp = await api('POST', '/resource_providers', { name: `bench-host-${i + j}` });
        await api('PUT', `/resource_providers/${rp.uuid}/inventories`, {
          resource_provider_generation: 0,
          inventories: { VCPU: { total: 16, allocation_ratio: 4 }, MEMORY_MB: { total: 65536, reserved: 512, allocation_ratio: 1.5 }, DISK_GB: { total: 1000 } },
        });
        uuids.push(rp.uuid);
      }));
    }
    const setupS = (performance.now() - t0) / 1000;
    const query = '/allocation_candidates?resources=VCPU:1,MEMORY_MB:512,DISK_GB:1&limit=1000';
    const single: number[] = [];
    for (let i = 0; i < 50; i++) {
      const s = performance.now();
      const res = await fetch(`${base}${query}`, { headers });
      const body = (await res.json()) as { allocation_requests: unknown[] };
      if (body.allocation_requests.length !== PROVIDERS) throw new Error(`expected ${PROVIDERS} candidates, got ${body.allocation_requests.length}`);
      single.push(performance.now() - s);
    }
    single.sort((a, b) => a - b);
    const concurrent = await load({ url: `${base}${query}`, headers, connections: 8, duration: 10 });
    let n = 0;
    const claim = await load({
      url: base, headers, connections: 16, amount: CLAIMS,
      requests: [{
        method: 'PUT',
        // Each request claims for a new consumer on the next provider, as a scheduler spreading boots would.
        setupRequest: (req) => {
          const rp = uuids[n++ % uuids.length]!;
          return { ...req, path: `/allocations/${randomUUID()}`, body: JSON.stringify({
            allocations: { [rp]: { resources: { VCPU: 1, MEMORY_MB: 512, DISK_GB: 1 } } }, project_id: 'bench', user_id: 'bench', consumer_generation: null, consumer_type: 'INSTANCE',
          }) };
        },
      }],
    });
    const results = {
      providers: PROVIDERS, setupSeconds: Number(setupS.toFixed(1)),
      candidates: { singleClientP50Ms: Number(single[25]!.toFixed(1)), singleClientP99Ms: Number(single[49]!.toFixed(1)), concurrency: 8, rps: Math.round(concurrent.rps), p50Ms: concurrent.p50, p99Ms: concurrent.p99 },
      claims: { concurrency: 16, requests: CLAIMS, rps: Math.round(claim.rps), p50Ms: claim.p50, p99Ms: claim.p99, non2xx: claim.non2xx },
      serverRssMb: Math.round(rssMb(cloud.proc.pid!)),
    };
    console.log(`providers:                          ${PROVIDERS} (created in ${results.setupSeconds} s)`);
    console.log(`allocation candidates, one client:  p50 ${results.candidates.singleClientP50Ms} ms  p99 ${results.candidates.singleClientP99Ms} ms  (${PROVIDERS} candidates each)`);
    console.log(`allocation candidates, c=8:         ${results.candidates.rps} req/s  p50 ${concurrent.p50} ms  p99 ${concurrent.p99} ms`);
    console.log(`claims (PUT /allocations), c=16:    ${results.claims.rps} req/s  p50 ${claim.p50} ms  p99 ${claim.p99} ms  non-2xx ${claim.non2xx}`);
    console.log(`server RSS after:                   ${results.serverRssMb} MB`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/placement.json', `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await cloud.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
