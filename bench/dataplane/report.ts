/**
 * What the dataplane bench prints and keeps: its results, the table, and the cloud
 * log's errors and warnings, grouped (a bench that is fast because the agent failed
 * should say so next to the figures).
 */
import type { HostFootprint } from './host.js';
import type { PortToTraffic } from './port-to-traffic.js';
import type { Resync } from './resync.js';
import type { SgEnforcement } from './sg-enforcement.js';
import type { Throughput } from './throughput.js';
import type { P50P99 } from './vms.js';

export interface LogProblem {
  level: 'error' | 'warn' | 'text';
  msg: string;
  count: number;
  example: string;
}

export interface DataplaneResults {
  loadavgAtStart: number[];
  startup: { answeredMs: number; readyMs: number };
  portToTraffic?: PortToTraffic;
  sgEnforcement?: SgEnforcement;
  throughput?: Throughput;
  resync?: Resync;
  cleanup?: { apiDeleteMs: number; apiErrors: string[]; apiDeleteSettledMs: number | null; leftAfterStop: string[]; swept: string[] };
  cloudLog?: LogProblem[];
}

/** Ids and numbers made alike, so one failure repeated for many ports is one entry. */
const shape = (s: string): string => s.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/\b[0-9a-f]{11}\b/g, '<id>').replace(/\d+/g, 'N');

interface LogEntry {
  level?: number;
  msg?: string;
  err?: { message?: string };
}

function parseLine(line: string): LogEntry | null {
  try { return JSON.parse(line) as LogEntry; } catch { return null; }
}

/** Errors and warnings of the cloud's log (pino JSON), and plain lines that say error or failed. */
export function logProblems(output: string): LogProblem[] {
  const found = new Map<string, LogProblem>();
  const note = (level: LogProblem['level'], msg: string, example: string): void => {
    const key = `${level} ${shape(msg)}`;
    const p = found.get(key) ?? { level, msg: shape(msg), count: 0, example: example.slice(0, 300) };
    p.count++;
    found.set(key, p);
  };
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    const entry = parseLine(line);
    if (entry && typeof entry.level === 'number') {
      if (entry.level < 40) continue;
      note(entry.level >= 50 ? 'error' : 'warn', `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message.split('\n')[0]}` : ''}`, line);
    } else if (/error|failed/i.test(line)) {
      note('text', line.trim(), line);
    }
  }
  return [...found.values()].sort((a, b) => b.count - a.count);
}

const ms = (s: P50P99): string => `p50 ${s.p50} ms  p99 ${s.p99} ms  (n=${s.n})`;

const footprintLine = (h: HostFootprint): string => {
  const rules = Object.entries(h.nftRules).map(([t, n]) => `${t.split(' ')[1]} ${n}`).join(', ');
  const daemons = Object.entries(h.daemons).map(([p, d]) => `${d.count} ${p} (${d.rssMb} MB)`).join(', ');
  return `${h.bridges} bridges, ${h.portDevices} tap devices, ${h.vxlanDevices} vxlan, ${h.namespaces} namespaces; nft rules: ${rules}; daemons: ${daemons}`;
};

export function printTable(r: DataplaneResults): void {
  const out: string[] = [];
  out.push(`load average at start: ${r.loadavgAtStart.join(' ')} (2 cores; other work on the machine shows in every figure)`);
  out.push(`cloud start (linux dataplane, 1 fake host):     answered ${r.startup.answeredMs} ms, ready ${r.startup.readyMs} ms`);
  const p = r.portToTraffic;
  if (p) {
    out.push(`1. port to traffic, alone:    POST+VM+bind ${ms(p.alone.apiAndVm)}`);
    out.push(`     to ACTIVE                ${ms(p.alone.active)}`);
    out.push(`     to DHCP lease            ${ms(p.alone.lease)}   (lease after ACTIVE: ${ms(p.alone.leaseAfterActive)})`);
    out.push(`   ${p.atOnce.ports} ports at once:  to ACTIVE ${ms(p.atOnce.active)}`);
    out.push(`     to DHCP lease            ${ms(p.atOnce.lease)}   (lease after ACTIVE: ${ms(p.atOnce.leaseAfterActive)}); all leased in ${p.atOnce.allLeasedMs} ms; ${p.atOnce.slowLeases} leases >= 1 s after ACTIVE (missed udhcpc's first try)`);
  }
  const s = r.sgEnforcement;
  if (s) {
    out.push(`2. SG rule to live traffic (ping every ${s.intervalMs} ms): rule POST returned -> first reply ${ms(s.open)}`);
    out.push(`                                              rule DELETE returned -> first loss  ${ms(s.close)}${s.failures.length ? `  FAILURES: ${s.failures.join('; ')}` : ''}`);
  }
  const t = r.throughput;
  if (t) out.push(`4. iperf3 TCP (${t.seconds} s): VM-VM one host ${t.sameHostGbps} Gbit/s, VM-VM over VXLAN ${t.vxlanGbps} Gbit/s, bare veth pair ${t.vethBaselineGbps} Gbit/s`);
  const x = r.resync;
  if (x) {
    out.push(`3. resync, ${x.ports} ports + ${x.routers} routers (each its own network, DHCP on): API calls for networks+routers ${x.buildSeconds.networksAndRoutersApi} s; all ${x.ports} ports ACTIVE (agent done) ${x.buildSeconds.allActive} s after the first call`);
    out.push(`     SIGTERM to exit ${x.stopMs} ms; new process: identity answering ${x.restart.answeredMs} ms, ready ${x.restart.readyMs} ms`);
    out.push(x.reconciled
      ? `     agent "host reconciled": ${x.reconciled.ms} ms for ${x.reconciled.ports} ports, ${x.reconciled.dhcpServers} DHCP servers, ${x.reconciled.routers} routers`
      : '     agent "host reconciled" line NOT FOUND in the new cloud\'s log');
    out.push(`     host: ${footprintLine(x.host)}`);
    out.push(`     cloud RSS: ${x.rssMb.before} MB before the restart, ${x.rssMb.after} MB after the resync`);
  }
  const c = r.cleanup;
  if (c) {
    out.push(`cleanup: API deletes ${c.apiDeleteMs} ms${c.apiErrors.length ? ` (${c.apiErrors.length} errors: ${c.apiErrors.slice(0, 3).join('; ')})` : ''}; dataplane emptied ${c.apiDeleteSettledMs === null ? 'NOT within 60 s' : `${c.apiDeleteSettledMs} ms`} after`);
    out.push(`   left on the host after the cloud stopped: ${c.leftAfterStop.length ? c.leftAfterStop.join(', ') : 'nothing'}`);
  }
  const problems = r.cloudLog ?? [];
  out.push(`cloud log: ${problems.filter((l) => l.level === 'error').reduce((n, l) => n + l.count, 0)} error lines, ${problems.filter((l) => l.level === 'warn').reduce((n, l) => n + l.count, 0)} warnings, ${problems.filter((l) => l.level === 'text').reduce((n, l) => n + l.count, 0)} other lines saying error/failed`);
  for (const l of problems.slice(0, 10)) out.push(`   ${l.count} x ${l.level}: ${l.msg.slice(0, 200)}`);
  console.log(out.join('\n'));
}
