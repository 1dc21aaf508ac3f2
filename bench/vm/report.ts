/**
 * What the VM bench keeps and prints: per kind of boot (cloud with the metadata service,
 * cloud with a config drive, bare QEMU) the marker times alone and four at once, where
 * the time went (to QEMU, to DHCP, to metadata, inside the guest), the ratios to the
 * bare boot, and the idle cost of ten guests.
 */
import type { LogProblem } from '../dataplane/report.js';
import { pct } from '../dataplane/vms.js';
import type { BootTrace } from './console-trace.js';
import type { Flavor } from './cloud-guests.js';
import type { IdleFigures } from './idle.js';

export interface Stats {
  n: number;
  p50: number;
  p90: number;
  max: number;
}

export const stats = (xs: number[]): Stats => ({ n: xs.length, p50: pct(xs, 50), p90: pct(xs, 90), max: xs.length ? Math.round(Math.max(...xs)) : NaN });

export type BootKind = 'cloud' | 'cloudConfigDrive' | 'bare';

export const KIND_LABEL: Record<BootKind, string> = {
  cloud: 'Stratus, metadata over the network',
  cloudConfigDrive: 'Stratus, --config-drive true',
  bare: 'bare qemu-system-x86_64',
};

/** The boots of one kind, alone and in rounds of `concurrency` at once. */
export interface BootSeries {
  single: BootTrace[];
  concurrent: BootTrace[][];
}

export interface BootSummary {
  toMarker: Stats;
  /** p50 of each step, ms from the start. */
  steps: { qemu: number; dhcp: number; metadata: number; marker: number };
  /** p50 of the guest's uptime at the marker (s). */
  guestUptimeS: number;
  metadataSources: string[];
}

export function summarize(traces: BootTrace[]): BootSummary {
  const p50 = (xs: Array<number | null>): number => pct(xs.filter((x): x is number => x !== null), 50);
  return {
    toMarker: stats(traces.map((t) => t.markerMs)),
    steps: { qemu: p50(traces.map((t) => t.qemuMs)), dhcp: p50(traces.map((t) => t.dhcpMs)), metadata: p50(traces.map((t) => t.metadataMs)), marker: p50(traces.map((t) => t.markerMs)) },
    guestUptimeS: Number((pct(traces.map((t) => (t.guestUptimeS ?? NaN) * 1000), 50) / 1000).toFixed(2)),
    metadataSources: [...new Set(traces.map((t) => (t.metadataSource ?? 'none').replace(/ \(.*/, '')))],
  };
}

export interface VmResults {
  loadavgAtStart: number[];
  method: Record<string, string>;
  flavor: Flavor;
  concurrency: number;
  startup: { answeredMs: number; readyMs: number };
  boots: Partial<Record<BootKind, BootSeries>>;
  summary?: Partial<Record<BootKind, { single: BootSummary; concurrent: BootSummary }>>;
  /** Stratus p50 / bare p50. */
  ratioP50?: { single: Partial<Record<BootKind, number>>; concurrent: Partial<Record<BootKind, number>> };
  idle?: { noVms: IdleFigures; withVms: IdleFigures; allBootedMs: number };
  cleanup?: { apiErrors: string[]; leftQemus: string[]; leftOnHost: string[]; swept: string[] };
  cloudLog?: LogProblem[];
  error?: string;
}

export function summarizeAll(r: VmResults): void {
  r.summary = {};
  r.ratioP50 = { single: {}, concurrent: {} };
  for (const [kind, series] of Object.entries(r.boots) as Array<[BootKind, BootSeries]>) {
    if (series.single.length === 0 && series.concurrent.length === 0) continue;
    r.summary[kind] = { single: summarize(series.single), concurrent: summarize(series.concurrent.flat()) };
  }
  const bare = r.summary.bare;
  for (const kind of ['cloud', 'cloudConfigDrive'] as const) {
    const s = r.summary[kind];
    if (!s || !bare) continue;
    r.ratioP50.single[kind] = Number((s.single.toMarker.p50 / bare.single.toMarker.p50).toFixed(2));
    r.ratioP50.concurrent[kind] = Number((s.concurrent.toMarker.p50 / bare.concurrent.toMarker.p50).toFixed(2));
  }
}

const s = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '-');
const statLine = (x: Stats): string => `p50 ${s(x.p50)}  p90 ${s(x.p90)}  max ${s(x.max)}  (n=${x.n})`;
const stepLine = (b: BootSummary): string =>
  `QEMU up ${s(b.steps.qemu)}, DHCP ${s(b.steps.dhcp)}, metadata ${s(b.steps.metadata)} [${b.metadataSources.join(', ')}], marker ${s(b.steps.marker)}; guest uptime at marker ${b.guestUptimeS} s`;

export function printSummary(r: VmResults): void {
  const out: string[] = [];
  out.push(`load average at start: ${r.loadavgAtStart.join(' ')} (2 cores, TCG; other work on the machine shows in every figure)`);
  out.push(`flavor ${r.flavor.ramMb} MB / ${r.flavor.vcpus} vCPU / ${r.flavor.diskGb} GB; cloud start: answered ${r.startup.answeredMs} ms, ready ${r.startup.readyMs} ms`);
  out.push(`marker detection: ${r.method['markerDetection']}`);
  for (const [kind, sum] of Object.entries(r.summary ?? {}) as Array<[BootKind, { single: BootSummary; concurrent: BootSummary }]>) {
    out.push(`${KIND_LABEL[kind]}:`);
    out.push(`   alone          ${statLine(sum.single.toMarker)}`);
    out.push(`                  steps (p50 from start): ${stepLine(sum.single)}`);
    out.push(`   ${r.concurrency} at once      ${statLine(sum.concurrent.toMarker)}`);
    out.push(`                  steps (p50 from start): ${stepLine(sum.concurrent)}`);
  }
  for (const kind of ['cloud', 'cloudConfigDrive'] as const) {
    const single = r.ratioP50?.single[kind];
    if (single === undefined) continue;
    const conc = r.ratioP50?.concurrent[kind];
    out.push(`ratio Stratus/bare p50 (${KIND_LABEL[kind]}): alone ${single}x, ${r.concurrency} at once ${conc}x   (target <= 1.2x)`);
  }
  const idle = r.idle;
  if (idle) {
    for (const f of [idle.noVms, idle.withVms]) {
      const helpers = Object.entries(f.helpers).map(([p, d]) => `${d.count} ${p} ${d.rssMb} MB`).join(', ') || 'none';
      out.push(`idle ${f.windowS} s with ${f.vms} VMs: all-in-one RSS ${f.agent.rssMb} MB (peak ${f.agent.hwmMb} MB), CPU ${f.agent.cpuPctOfOneCore}% of a core (+${f.agent.childrenCpuPctOfOneCore}% in commands it ran)`);
      if (f.vms > 0) out.push(`     QEMU: ${f.qemu.count} processes, RSS ${f.qemu.rssMbTotal} MB total (${f.qemu.rssMbEach} MB each), CPU ${f.qemu.cpuPctOfOneCoreTotal}% of a core total`);
      out.push(`     agent helpers: ${helpers}`);
    }
    out.push(`     the ${idle.withVms.vms} VMs, booted ${r.concurrency} at a time, all reached their markers in ${s(idle.allBootedMs)}`);
  }
  const c = r.cleanup;
  if (c) {
    out.push(`cleanup: ${c.apiErrors.length ? `API errors: ${c.apiErrors.join('; ')}` : 'all deleted through the API'}; QEMUs left: ${c.leftQemus.join(', ') || 'none'}; left on the host: ${c.leftOnHost.join(', ') || 'nothing'}`);
  }
  const problems = r.cloudLog ?? [];
  out.push(`cloud log: ${problems.filter((l) => l.level === 'error').reduce((n, l) => n + l.count, 0)} error lines, ${problems.filter((l) => l.level === 'warn').reduce((n, l) => n + l.count, 0)} warnings`);
  for (const l of problems.slice(0, 8)) out.push(`   ${l.count} x ${l.level}: ${l.msg.slice(0, 200)}`);
  if (r.error) out.push(`FAILED: ${r.error}`);
  console.log(out.join('\n'));
}
