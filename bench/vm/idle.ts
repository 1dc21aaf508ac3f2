/**
 * What guests cost the host while nothing happens: the all-in-one process's resident
 * memory and CPU (its own ticks, and its reaped children's: the ip/nft/qemu-img it
 * runs), the QEMUs' memory and CPU, and the network agent's helper daemons, read from
 * /proc over a window in which the bench makes no API call.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { daemonsOf, type DaemonCount } from '../dataplane/host.js';
import { sleep } from '../dataplane/vms.js';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface Ticks {
  self: number;
  children: number;
}

function ticks(pid: number): Ticks {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm) ": state is [0]; utime, stime, cutime, cstime are [11..14].
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return { self: f[11]! + f[12]!, children: f[13]! + f[14]! };
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

const mb = (kb: number): number => Math.round(kb / 1024);
/** Ticks over the window as % of one core. */
const pctOfCore = (t: number, windowS: number): number => Number(((t / CLK_TCK / windowS) * 100).toFixed(1));

export interface IdleFigures {
  windowS: number;
  vms: number;
  agent: { pid: number; rssMb: number; hwmMb: number; cpuPctOfOneCore: number; childrenCpuPctOfOneCore: number };
  qemu: { count: number; rssMbTotal: number; rssMbEach: number; cpuPctOfOneCoreTotal: number };
  /** dnsmasq and the metadata proxies (ns-proxy, Node) the network agent runs, by program. */
  helpers: Record<string, DaemonCount>;
}

/** Samples over `windowS`: RSS at the end, CPU as the tick difference. */
export async function measureIdle(agentPid: number, qemuPids: number[], agentRunDir: string, windowS: number): Promise<IdleFigures> {
  const agent0 = ticks(agentPid);
  const qemu0 = qemuPids.map((p) => ticks(p).self);
  await sleep(windowS * 1000);
  const agent1 = ticks(agentPid);
  const qemuTicks = qemuPids.reduce((sum, p, i) => sum + ticks(p).self - qemu0[i]!, 0);
  const qemuRssKb = qemuPids.reduce((sum, p) => sum + statusKb(p, 'VmRSS'), 0);
  return {
    windowS,
    vms: qemuPids.length,
    agent: {
      pid: agentPid, rssMb: mb(statusKb(agentPid, 'VmRSS')), hwmMb: mb(statusKb(agentPid, 'VmHWM')),
      cpuPctOfOneCore: pctOfCore(agent1.self - agent0.self, windowS), childrenCpuPctOfOneCore: pctOfCore(agent1.children - agent0.children, windowS),
    },
    qemu: {
      count: qemuPids.length, rssMbTotal: mb(qemuRssKb), rssMbEach: qemuPids.length ? mb(qemuRssKb / qemuPids.length) : 0,
      cpuPctOfOneCoreTotal: pctOfCore(qemuTicks, windowS),
    },
    helpers: daemonsOf(agentRunDir),
  };
}
