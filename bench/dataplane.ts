/**
 * Network dataplane figures for issue 7, on the linux dataplane (root):
 *  1. port to traffic: POST port (+ VM namespace/veth + binding) to ACTIVE and to a DHCP
 *     lease, one port alone (x10) and 50 at once;
 *  2. security-group rule change to enforcement on a live 50 ms ping, made and deleted (x5);
 *  3. the agent's full resync of 500 bound ports and 50 routers after a restart, with the
 *     host-side cost (devices, nft rules, namespaces, daemons, RSS);
 *  4. iperf3 throughput: VM to VM on one host, across VXLAN, and a bare veth pair.
 * Then everything is deleted through the API, the cloud stopped, and what is left on the
 * host is shown and swept. It runs in a network namespace of its own (see host.ts
 * rerunInOwnHost) so a dataplane test running beside it is not disturbed.
 * Run: npm run bench:dataplane  (prints a table; writes bench/results/dataplane.json and
 * the cloud's log beside it). Sizes and the time budget come from BENCH_* variables
 * (below). The agent applies one change at a time with a few exec'd ip/nft commands
 * each, so on a busy 2-core machine the 500-port host alone takes many minutes to build
 * and to delete again; BENCH_RESYNC_PORTS=100 BENCH_RESYNC_ROUTERS=10 fits in ~8 minutes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeHostNamespace } from '../src/cli/fake-host-underlay.js';
import { agentRunDir } from '../src/network/agent/host-dataplane.js';
import { leftovers, sweep, type Footprint } from '../test/dataplane/leftovers.js';
import { writeUdhcpcScript } from '../test/dataplane/namespace-vm.js';
import { onExit } from '../test/lib/exit.js';
import { benchHostNamespace, lastChanceSweep, preflight, processesOf, rerunInOwnHost } from './dataplane/host.js';
import { Neutron } from './dataplane/neutron.js';
import { measurePortToTraffic } from './dataplane/port-to-traffic.js';
import { buildBigHost, cloudLog, measureResync, type RoutedNetwork } from './dataplane/resync.js';
import { measureSgEnforcement } from './dataplane/sg-enforcement.js';
import { logProblems, printTable, type DataplaneResults } from './dataplane/report.js';
import { measureThroughput } from './dataplane/throughput.js';
import { sleep, type BenchContext } from './dataplane/vms.js';
import { adminPassword, envNumber, issueToken, startCloud, type BenchCloud } from './lib.js';

const OFFSET = envNumber('BENCH_PORT_OFFSET', 24500);
const ALONE = envNumber('BENCH_PORTS_ALONE', 10);
const AT_ONCE = envNumber('BENCH_PORTS_AT_ONCE', 50);
const SG_TRIALS = envNumber('BENCH_SG_TRIALS', 5);
const RESYNC_PORTS = envNumber('BENCH_RESYNC_PORTS', 500);
const RESYNC_ROUTERS = envNumber('BENCH_RESYNC_ROUTERS', 50);
const IPERF_SECONDS = envNumber('BENCH_IPERF_SECONDS', 5);
/** The whole run, after which it is stopped and torn down. */
const BUDGET_MS = envNumber('BENCH_BUDGET_S', 600) * 1000;

const MAIN_HOST = 'dp-bench';
const FAKE_HOST = 'fake-host-1';

/** The linux dataplane behind the run's prefix, one fake host on a local VXLAN underlay, no quotas in the way. */
function dataplaneConf(prefix: string): string {
  return [
    '[DEFAULT]', `host = ${MAIN_HOST}`, '',
    '[network]', 'dataplane = linux', `namespace_prefix = ${prefix}`, 'fake_host_underlay = 169.254.250.0/24', '',
    '[compute]', 'fake_hosts = 1', '',
    '[quotas]', 'quota_network = -1', 'quota_subnet = -1', 'quota_port = -1', 'quota_router = -1',
    'quota_security_group = -1', 'quota_security_group_rule = -1', '',
  ].join('\n');
}

/** A line on stderr as each step ends: the full run takes minutes and the table comes last. */
const progress = (what: string, since: number): void => { console.error(`bench:dataplane: ${what} (${Math.round((performance.now() - since) / 1000)} s)`); };

async function neutronOf(cloud: BenchCloud): Promise<Neutron> {
  const token = await issueToken(cloud.identityUrl, adminPassword(cloud.dataDir));
  return new Neutron(`http://127.0.0.1:${9696 + OFFSET}`, token);
}

/** Deletes through the API whatever of the run is still there, best effort; the errors met. */
async function deleteEverything(ctx: BenchContext, routed: RoutedNetwork[]): Promise<string[]> {
  const errors: string[] = [];
  const attempt = async (what: Promise<unknown>): Promise<void> => { await what.catch((e: unknown) => { errors.push(String(e).slice(0, 200)); }); };
  for (const vm of ctx.vms) await vm.remove();
  ctx.vms.clear();
  const existing = await ctx.neutron.statuses().catch(() => new Map<string, string>());
  const ports = ctx.footprint.portIds.filter((id) => existing.has(id));
  for (let i = 0; i < ports.length; i += 8) await Promise.all(ports.slice(i, i + 8).map((id) => attempt(ctx.neutron.deletePort(id))));
  for (const r of routed) if (r.routerId) await attempt(ctx.neutron.removeRouter(r.routerId, r.subnetId));
  for (const id of ctx.footprint.networkIds) await attempt(ctx.neutron.call('DELETE', `/v2.0/networks/${id}`));
  return errors;
}

/** What stays while the cloud runs by design: its run dir, the fake host's namespace and the underlay. */
const whileRunning = (prefix: string) => (l: string): boolean =>
  l.startsWith('directory') || l === `namespace ${fakeHostNamespace(prefix, FAKE_HOST)}` || l.startsWith('device stul');

/** The host after the run: first what the agent has not removed after the API deletes, then what the stopped cloud left. */
async function checkHostAfter(ctx: BenchContext, cloud: BenchCloud): Promise<{ apiDeleteSettledMs: number | null; leftAfterStop: string[]; swept: string[] }> {
  const t0 = performance.now();
  let settled: number | null = null;
  while (performance.now() - t0 < 60_000) {
    if ((await leftovers({ ...ctx.footprint, vmNamespaces: [] })).filter((l) => !whileRunning(ctx.prefix)(l)).length === 0) {
      settled = Math.round(performance.now() - t0);
      break;
    }
    await sleep(250);
  }
  // The data dir outlives this stop only so the log can be read to its end.
  await cloud.stop({ keepDataDir: true });
  // The footprint names the main host's run dir; the fake host has one too, and either may leave daemons.
  const fakeRunDir = agentRunDir(ctx.prefix, FAKE_HOST);
  const left = [
    ...await leftovers(ctx.footprint),
    ...processesOf(`/run/stratus/${ctx.prefix}network-agent-`),
    ...(existsSync(fakeRunDir) ? [`directory ${fakeRunDir}`] : []),
  ];
  const swept = await sweep(ctx.footprint);
  rmSync(fakeRunDir, { recursive: true, force: true });
  return { apiDeleteSettledMs: settled, leftAfterStop: [...new Set(left)], swept };
}

/** The bench proper, inside its own host namespace. */
async function inside(prefix: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'stratus-bench-dataplane-'));
  const footprint: Footprint = { prefix, networkIds: [], portIds: [], vmNamespaces: [], runDir: agentRunDir(prefix, MAIN_HOST) };
  const clouds: BenchCloud[] = [];
  // Stopped from outside (budget, Ctrl-C): the clouds go; the parent sweeps what they leave.
  onExit(() => { for (const c of clouds) if (c.proc.exitCode === null) c.proc.kill('SIGKILL'); });
  let cloud = await startCloud(OFFSET, dataplaneConf(prefix), { readyTimeoutMs: 60_000 });
  clouds.push(cloud);
  const ctx: BenchContext = {
    neutron: await neutronOf(cloud), prefix, mainHost: MAIN_HOST, fakeHost: FAKE_HOST,
    udhcpcScript: writeUdhcpcScript(work), footprint, vms: new Set(),
  };
  const results: DataplaneResults = { loadavgAtStart: loadavg().map((l) => Number(l.toFixed(2))), startup: { answeredMs: Math.round(cloud.answeredMs), readyMs: Math.round(cloud.readyMs) } };
  const routed: RoutedNetwork[] = [];
  let failure: unknown;
  try {
    if (cloud.readyMs < 0) throw new Error(`the cloud was not ready in 60 s:\n${cloud.output().slice(-3000)}`);
    const net = await ctx.neutron.network('bench-net', '10.60.0.0/22');
    footprint.networkIds.push(net.id);
    const t = performance.now();
    results.portToTraffic = await measurePortToTraffic(ctx, net.id, ALONE, AT_ONCE);
    progress('1. port to traffic done', t);
    results.sgEnforcement = await measureSgEnforcement(ctx, net.id, SG_TRIALS);
    progress('2. security-group enforcement done', t);
    results.throughput = await measureThroughput(ctx, net.id, IPERF_SECONDS);
    progress('4. throughput done', t);
    const buildSeconds = await buildBigHost(ctx, routed, RESYNC_PORTS, RESYNC_ROUTERS);
    progress(`3. ${RESYNC_PORTS} ports and ${RESYNC_ROUTERS} routers built`, t);
    const restart = async (): Promise<BenchCloud> => {
      const next = await startCloud(OFFSET, '', { dataDir: cloud.dataDir, readyTimeoutMs: 240_000 });
      clouds.push(next);
      return next;
    };
    const r = await measureResync(ctx, cloud, restart, { ports: RESYNC_PORTS, routers: RESYNC_ROUTERS, buildSeconds });
    cloud = r.cloud;
    ctx.neutron = await neutronOf(cloud);
    results.resync = r.resync;
    progress('3. resync done', t);
  } catch (e) {
    failure = e;
  }
  const t0 = performance.now();
  const apiErrors = await deleteEverything(ctx, routed);
  progress('deleted through the API', t0);
  const apiDeleteMs = Math.round(performance.now() - t0);
  results.cleanup = { apiDeleteMs, apiErrors, ...await checkHostAfter(ctx, cloud) };
  // Both processes' logs: the file they appended to, and what each printed (a crash's stack goes to stderr).
  const log = [cloudLog(cloud), ...clouds.map((c) => c.output())].join('\n');
  rmSync(cloud.dataDir, { recursive: true, force: true });
  results.cloudLog = logProblems(log);
  rmSync(work, { recursive: true, force: true });
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/dataplane.json', `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync('bench/results/dataplane-cloud.log', log);
  printTable(results);
  if (failure) throw failure;
}

async function main(): Promise<void> {
  await preflight();
  const prefix = process.env['STRATUS_BENCH_PREFIX'];
  if (benchHostNamespace() && prefix) return inside(prefix);
  const own = `dpb${randomBytes(2).toString('hex')}-`;
  process.env['STRATUS_BENCH_PREFIX'] = own;
  const code = await rerunInOwnHost(fileURLToPath(import.meta.url), BUDGET_MS);
  const swept = await lastChanceSweep(own);
  if (swept.length > 0) console.error(`bench:dataplane: removed what the run left: ${swept.join(', ')}`);
  process.exitCode = code;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
