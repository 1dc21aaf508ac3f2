/**
 * Network figures for issue 5: port creates at concurrency 16 (req/s, p50, p99), a check
 * that every created port got a distinct address, and listing 1,000 ports (p50/p99 at
 * concurrency 16 and a single client's latency). Targets: >= 350 creates/s, a 1,000-port
 * list under 50 ms.
 * Run: npm run bench:network  (prints a table; writes bench/results/network.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { adminPassword, issueToken, load, rssMb, startCloud } from './lib.js';

const PORTS = Number(process.env['BENCH_PORTS'] ?? 1000);
const offset = Number(process.env['BENCH_PORT_OFFSET'] ?? 24500);

async function main(): Promise<void> {
  const cloud = await startCloud(offset);
  try {
    const token = await issueToken(cloud.identityUrl, adminPassword(cloud.dataDir));
    const base = `http://127.0.0.1:${9696 + offset}`;
    const api = async (method: string, path: string, body?: unknown): Promise<any> => {
      const res = await fetch(`${base}${path}`, { method, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.status === 204 ? undefined : res.json();
    };
    const project = (await api('GET', '/v2.0/quotas/project')).project.project_id as string;
    await api('PUT', `/v2.0/quotas/${project}`, { quota: { port: -1 } });
    const net = (await api('POST', '/v2.0/networks', { network: { name: 'bench' } })).network;
    await api('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/20' } });
    // The default security group exists before the clock starts, as in a running cloud.
    await api('GET', '/v2.0/security-groups');

    const headers = { 'x-auth-token': token, 'content-type': 'application/json' };
    const create = await load({
      url: `${base}/v2.0/ports`, method: 'POST', headers, body: JSON.stringify({ port: { network_id: net.id } }),
      connections: 16, amount: PORTS,
    });
    const ports = (await api('GET', `/v2.0/ports?network_id=${net.id}`)).ports as Array<{ fixed_ips: Array<{ ip_address: string }> }>;
    const addresses = new Set(ports.map((p) => p.fixed_ips[0]?.ip_address));
    const list = await load({ url: `${base}/v2.0/ports`, headers, connections: 16, duration: 10 });
    // One client's latency: request sent until the last byte of the body arrived (not parsed).
    const single: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}/v2.0/ports`, { headers });
      await res.arrayBuffer();
      single.push(performance.now() - t0);
    }
    single.sort((a, b) => a - b);
    const results = {
      portCreate: { concurrency: 16, requests: PORTS, rps: Math.round(create.rps), p50Ms: create.p50, p99Ms: create.p99, non2xx: create.non2xx, errors: create.errors },
      distinctAddresses: { ports: ports.length, distinct: addresses.size },
      portList: { ports: ports.length, concurrency: 16, rps: Math.round(list.rps), p50Ms: list.p50, p99Ms: list.p99, singleClientP50Ms: Number(single[25]!.toFixed(1)) },
      serverRssMb: Math.round(rssMb(cloud.proc.pid!)),
    };
    console.log(`port create (c=16, ${PORTS}):  ${results.portCreate.rps} req/s  p50 ${create.p50} ms  p99 ${create.p99} ms  non-2xx ${create.non2xx}  (target >= 350/s)`);
    console.log(`distinct addresses:          ${addresses.size} of ${ports.length} ports`);
    console.log(`port list (${ports.length} ports, c=16): ${results.portList.rps} req/s  p50 ${list.p50} ms  p99 ${list.p99} ms`);
    console.log(`port list, one client:        p50 ${results.portList.singleClientP50Ms} ms  (target < 50 ms)`);
    console.log(`server RSS after:             ${results.serverRssMb} MB`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/network.json', `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await cloud.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
