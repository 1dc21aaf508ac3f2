/**
 * Compute figures for issue 6, on the fake driver without added delay:
 *  - boot-to-ACTIVE latency (API receipt -> ACTIVE recorded, from the instance actions)
 *    p50/p99 with 1, 10 and 100 concurrent boots;
 *  - 1,000 boots across 100 fake hosts: total time, boots/s, and a check that no host
 *    is over its inventory (x allocation ratio) in Placement;
 *  - RSS of the all-in-one with 100 fake hosts and 1,000 instances.
 * Targets: p50 < 100 ms alone, < 1 s with 10 concurrent.
 * Run: npm run bench:compute  (prints a table; writes bench/results/compute.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { adminPassword, issueToken, rssMb, startCloud } from './lib.js';

const HOSTS = Number(process.env['BENCH_HOSTS'] ?? 100);
const BOOTS = Number(process.env['BENCH_BOOTS'] ?? 1000);
const offset = Number(process.env['BENCH_PORT_OFFSET'] ?? 26500);

type Json = Record<string, any>;

async function main(): Promise<void> {
  const cloud = await startCloud(offset, `[compute]\nfake_hosts = ${HOSTS}\n`);
  try {
    const token = await issueToken(cloud.identityUrl, adminPassword(cloud.dataDir));
    const url = (port: number): string => `http://127.0.0.1:${port + offset}`;
    const call = async (base: string, method: string, path: string, body?: unknown, version = '2.93'): Promise<Json> => {
      const res = await fetch(`${base}${path}`, {
        method, headers: { 'x-auth-token': token, 'content-type': 'application/json', 'openstack-api-version': `compute ${version}` },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      const text = await res.text();
      return text ? (JSON.parse(text) as Json) : {};
    };
    const nova = url(8774) + '/v2.1';
    const project = (await call(url(5000), 'GET', '/v3/auth/projects')).projects.find((p: Json) => p.name === 'admin').id as string;
    await call(nova, 'PUT', `/os-quota-sets/${project}`, { quota_set: { instances: -1, cores: -1, ram: -1 } });
    const imageRes = await fetch(`${url(9292)}/v2/images`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', disk_format: 'raw', container_format: 'bare', visibility: 'public' }) });
    const image = (await imageRes.json()) as Json;
    await fetch(`${url(9292)}/v2/images/${image.id}/file`, { method: 'PUT', headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' }, body: new Blob([new Uint8Array(1024)]) });
    const net = (await call(url(9696), 'POST', '/v2.0/networks', { network: { name: 'bench' } })).network;
    await call(url(9696), 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.64.0.0/18' } });
    await call(url(9696), 'PUT', `/v2.0/quotas/${project}`, { quota: { port: -1 } });
    const flavor = (await call(nova, 'POST', '/flavors', { flavor: { name: 'bench.tiny', ram: 256, vcpus: 1, disk: 1 } })).flavor.id as string;

    const boot = async (name: string): Promise<string> =>
      (await call(nova, 'POST', '/servers', { server: { name, imageRef: image.id, flavorRef: flavor, networks: [{ uuid: net.id }] } })).server.id as string;
    // Polls the cheap index view filtered to BUILD (a detailed list of 1,000 servers every
    // 50 ms would itself be the load); an ERROR anywhere fails the bench.
    const waitActive = async (ids: string[]): Promise<void> => {
      const pending = new Set(ids);
      while (pending.size > 0) {
        const building = new Set(((await call(nova, 'GET', '/servers?all_tenants=1&status=BUILD')).servers as Json[]).map((s) => s.id as string));
        for (const id of [...pending]) if (!building.has(id)) pending.delete(id);
        if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
      }
      const failed = (await call(nova, 'GET', '/servers?all_tenants=1&status=ERROR')).servers as Json[];
      const mine = failed.filter((s) => ids.includes(s.id));
      if (mine.length > 0) throw new Error(`${mine.length} servers went to ERROR, e.g. ${mine[0]!.id}`);
    };
    /** Server-side boot latency: the create action's start to its last event's finish. */
    const latency = async (id: string): Promise<number> => {
      const actions = (await call(nova, 'GET', `/servers/${id}/os-instance-actions`)).instanceActions as Json[];
      const create = actions.find((a) => a.action === 'create')!;
      const detail = (await call(nova, 'GET', `/servers/${id}/os-instance-actions/${create.request_id}`)).instanceAction as Json;
      const t = (s: string): number => Date.parse(`${s}Z`);
      return Math.max(...(detail.events as Json[]).map((e) => t(e.finish_time))) - t(detail.start_time);
    };
    const pct = (xs: number[], p: number): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
    };
    const latencyFor = async (concurrency: number, rounds: number): Promise<{ p50: number; p99: number }> => {
      const all: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const ids = await Promise.all(Array.from({ length: concurrency }, (_, i) => boot(`lat-${concurrency}-${r}-${i}`)));
        await waitActive(ids);
        all.push(...(await Promise.all(ids.map(latency))));
      }
      return { p50: pct(all, 50), p99: pct(all, 99) };
    };
    const alone = await latencyFor(1, 20);
    const ten = await latencyFor(10, 3);
    const hundred = await latencyFor(100, 1);

    const t0 = performance.now();
    const ids: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < BOOTS) ids.push(await boot(`sched-${next++}`));
    }));
    await waitActive(ids);
    const seconds = (performance.now() - t0) / 1000;

    const hypervisors = (await call(nova, 'GET', '/os-hypervisors/detail', undefined, '2.87')).hypervisors as Json[];
    const placement = url(8778);
    let overCommitted = 0;
    const perHost: number[] = [];
    for (const h of hypervisors) {
      const usage = ((await (await fetch(`${placement}/resource_providers/${h.id}/usages`, { headers: { 'x-auth-token': token } })).json()) as Json).usages as Json;
      const inventory = ((await (await fetch(`${placement}/resource_providers/${h.id}/inventories`, { headers: { 'x-auth-token': token } })).json()) as Json).inventories as Json;
      for (const [rc, used] of Object.entries(usage)) {
        const inv = inventory[rc];
        if ((used as number) > Math.floor((inv.total - inv.reserved) * inv.allocation_ratio)) overCommitted++;
      }
      perHost.push(usage.VCPU as number);
    }
    const results = {
      bootLatencyMs: { alone, concurrent10: ten, concurrent100: hundred },
      schedule: { hosts: HOSTS, boots: BOOTS, seconds: Number(seconds.toFixed(1)), bootsPerSecond: Number((BOOTS / seconds).toFixed(1)), overCommittedHosts: overCommitted,
        instancesPerHost: { min: Math.min(...perHost), max: Math.max(...perHost) } },
      rssMb: Math.round(rssMb(cloud.proc.pid!)),
    };
    console.log(`boot to ACTIVE, alone (20):        p50 ${alone.p50} ms  p99 ${alone.p99} ms  (target p50 < 100 ms)`);
    console.log(`boot to ACTIVE, 10 at once (x3):   p50 ${ten.p50} ms  p99 ${ten.p99} ms  (target p50 < 1 s)`);
    console.log(`boot to ACTIVE, 100 at once:       p50 ${hundred.p50} ms  p99 ${hundred.p99} ms`);
    console.log(`${BOOTS} boots on ${HOSTS} fake hosts (c=16): ${results.schedule.seconds} s, ${results.schedule.bootsPerSecond} boots/s; hosts over inventory: ${overCommitted}; instances per host ${results.schedule.instancesPerHost.min}..${results.schedule.instancesPerHost.max}`);
    console.log(`RSS, ${HOSTS} fake hosts and ${BOOTS + 20 + 30 + 100} instances: ${results.rssMb} MB`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/compute.json', `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await cloud.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
