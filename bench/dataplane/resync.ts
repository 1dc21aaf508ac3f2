/**
 * Figure 3, the network agent's full resync: a host with `ports` bound ports (no VMs:
 * the agent makes their taps) and `routers` routers, each with an interface on a
 * network of its own with DHCP on. The cloud is stopped with SIGTERM (the dataplane
 * stays up by design) and a new one started on the same data dir; the agent's own
 * `network agent: host reconciled` log line gives what it reconciled and how long
 * that took. Also what such a host costs: devices, nft rules, namespaces, daemons, RSS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCloud } from '../lib.js';
import { rssMb } from '../lib.js';
import { hostFootprint, type HostFootprint } from './host.js';
import type { Neutron } from './neutron.js';
import { sleep, type BenchContext } from './vms.js';

/** A router and the network behind it, for the cleanup. */
export interface RoutedNetwork {
  networkId: string;
  subnetId: string;
  routerId?: string;
}

export interface Resync {
  ports: number;
  routers: number;
  /**
   * Building the host: the API calls for the networks and routers (the agent works
   * behind them), and from the first call until the last port was ACTIVE (the agent
   * applies changes in order, so by then it had also built every router and DHCP server).
   */
  buildSeconds: { networksAndRoutersApi: number; allActive: number };
  /** SIGTERM to exit. */
  stopMs: number;
  /** The new process: spawn to identity answering, and to "Stratus is ready" (the agent reconciles before the network API listens). */
  restart: { answeredMs: number; readyMs: number };
  /** The agent's own line. */
  reconciled: { ports: number; dhcpServers: number; routers: number; ms: number } | null;
  host: HostFootprint;
  rssMb: { before: number; after: number };
}

/** Runs `work` over `items` with at most `n` at a time. */
async function pool<T>(items: T[], n: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  }));
}

/** Polls until every port of `ids` is ACTIVE; throws after `ms`. */
async function allActive(neutron: Neutron, ids: string[], ms: number): Promise<void> {
  const until = performance.now() + ms;
  for (;;) {
    const statuses = await neutron.statuses();
    const pending = ids.filter((id) => statuses.get(id) !== 'ACTIVE');
    if (pending.length === 0) return;
    if (performance.now() > until) throw new Error(`${pending.length} of ${ids.length} ports not ACTIVE after ${ms / 1000} s`);
    await sleep(500);
  }
}

/** The cloud's log file (pino JSON lines; a cloud started on the same data dir appends to it). */
export const cloudLog = (cloud: BenchCloud): string => {
  try { return readFileSync(join(cloud.dataDir, 'stratus.log'), 'utf8'); } catch { return ''; }
};

/** The agent's reconcile lines for `host` in a log, oldest first. */
export function reconciledLines(log: string, host: string): Array<NonNullable<Resync['reconciled']>> {
  const out: Array<NonNullable<Resync['reconciled']>> = [];
  for (const line of log.split('\n')) {
    if (!line.includes('host reconciled')) continue;
    try {
      const l = JSON.parse(line) as { host?: string; ports: number; dhcpServers: number; routers: number; ms: number };
      if (l.host === host) out.push({ ports: l.ports, dhcpServers: l.dhcpServers, routers: l.routers, ms: l.ms });
    } catch {
      // Not a log line.
    }
  }
  return out;
}

/** The new reconcile line after `seen` earlier ones; the log is written asynchronously, so it may lag "ready" a little. */
async function nextReconcile(cloud: BenchCloud, host: string, seen: number): Promise<Resync['reconciled']> {
  for (let i = 0; i < 100; i++) {
    const lines = reconciledLines(cloudLog(cloud), host);
    if (lines.length > seen) return lines[seen]!;
    await sleep(100);
  }
  return null;
}

/** Builds the host: `routers` routed networks with DHCP, then `ports` ports bound to the main host, spread over them. */
export async function buildBigHost(ctx: BenchContext, routed: RoutedNetwork[], ports: number, routers: number): Promise<Resync['buildSeconds']> {
  const t0 = performance.now();
  await pool(Array.from({ length: routers }, (_, i) => i), 4, async (i) => {
    const net = await ctx.neutron.network(`rs-${i}`, `10.100.${i}.0/24`);
    ctx.footprint.networkIds.push(net.id);
    const r: RoutedNetwork = { networkId: net.id, subnetId: net.subnetId };
    routed.push(r);
    r.routerId = await ctx.neutron.routerOn(`rs-r${i}`, net.subnetId);
  });
  const networksAndRoutersApi = (performance.now() - t0) / 1000;
  const ids: string[] = [];
  await pool(Array.from({ length: ports }, (_, i) => i), 8, async (i) => {
    const port = await ctx.neutron.port(routed[i % routed.length]!.networkId, { name: `rs-p${i}`, host: ctx.mainHost });
    ctx.footprint.portIds.push(port.id);
    ids.push(port.id);
  });
  await allActive(ctx.neutron, ids, 420_000);
  return { networksAndRoutersApi: Number(networksAndRoutersApi.toFixed(1)), allActive: Number(((performance.now() - t0) / 1000).toFixed(1)) };
}

/**
 * Stops `cloud` (keeping its data dir), starts the next with `restart` and reads the
 * agent's reconcile. Returns the new cloud for the rest of the bench.
 */
export async function measureResync(
  ctx: BenchContext, cloud: BenchCloud, restart: () => Promise<BenchCloud>, built: { ports: number; routers: number; buildSeconds: Resync['buildSeconds'] },
): Promise<{ cloud: BenchCloud; resync: Resync }> {
  const host = await hostFootprint(ctx.prefix, ctx.footprint.runDir);
  const seen = reconciledLines(cloudLog(cloud), ctx.mainHost).length;
  const before = Math.round(rssMb(cloud.proc.pid!));
  const t0 = performance.now();
  await cloud.stop({ keepDataDir: true });
  const stopMs = Math.round(performance.now() - t0);
  const next = await restart();
  return {
    cloud: next,
    resync: {
      ...built, stopMs,
      restart: { answeredMs: Math.round(next.answeredMs), readyMs: Math.round(next.readyMs) },
      reconciled: await nextReconcile(next, ctx.mainHost, seen),
      host,
      rssMb: { before, after: Math.round(rssMb(next.proc.pid!)) },
    },
  };
}
