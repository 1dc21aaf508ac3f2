import { open, readFile } from 'node:fs/promises';
import { PowerState, type InstanceDiagnostics, type PowerStateValue } from '../driver.js';
import type { InstanceRecord } from './instance-files.js';
import type { QmpClient } from './qmp.js';

/** How much of the console log is ever read (Nova's libvirt MAX_CONSOLE_BYTES). */
const MAX_CONSOLE_BYTES = 100 * 1024;

/** The serial console's last 100 KiB, or its last `lines` lines of that. */
export async function consoleTail(path: string, lines?: number): Promise<string> {
  let text = '';
  try {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      const length = Math.min(size, MAX_CONSOLE_BYTES);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      await file.close();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (lines === undefined) return text;
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return lines <= 0 ? '' : all.slice(-lines).join('\n');
}

const TICKS_PER_SECOND = 100;

/** What the guest uses now (os-server-diagnostics), read from QMP, /proc and the taps' counters. */
export async function guestDiagnostics(record: InstanceRecord, pid: number | null, qmp: QmpClient | null, power: PowerStateValue): Promise<InstanceDiagnostics> {
  const cpus: InstanceDiagnostics['cpus'] = [];
  const disks: InstanceDiagnostics['disks'] = [];
  let uptimeSeconds: number | null = null;
  if (pid !== null && qmp) {
    for (const cpu of await qmp.execute('query-cpus-fast')) {
      const ticks = await threadTicks(pid, cpu['thread-id']);
      cpus.push({ id: cpu['cpu-index'], timeNs: ticks === null ? null : Math.round((ticks / TICKS_PER_SECOND) * 1e9), utilisation: null });
    }
    for (const d of await qmp.execute('query-blockstats')) {
      disks.push({ name: d.qdev ?? d.device, readBytes: d.stats.rd_bytes, readRequests: d.stats.rd_operations, writeBytes: d.stats.wr_bytes, writeRequests: d.stats.wr_operations, errors: null });
    }
    uptimeSeconds = await processUptime(pid);
  }
  const nics: InstanceDiagnostics['nics'] = [];
  for (const vif of record.vifs) {
    // The tap's receive side is what the guest sent.
    const stat = (name: string): Promise<number | null> => readFile(`/sys/class/net/${vif.devname}/statistics/${name}`, 'utf8').then((t) => Number(t.trim()), () => null);
    nics.push({
      macAddress: vif.macAddress, rxOctets: await stat('tx_bytes'), rxErrors: await stat('tx_errors'), rxDrop: await stat('tx_dropped'), rxPackets: await stat('tx_packets'),
      txOctets: await stat('rx_bytes'), txErrors: await stat('rx_errors'), txDrop: await stat('rx_dropped'), txPackets: await stat('rx_packets'),
    });
  }
  return {
    state: stateName(power), driver: 'libvirt', hypervisor: 'qemu', hypervisorOs: 'linux', uptimeSeconds, configDrive: record.hasConfigDrive,
    memoryMaximumMb: record.spec.memoryMb, memoryUsedMb: pid !== null ? record.spec.memoryMb : null, cpus, nics, disks,
  };
}

async function threadTicks(pid: number, tid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function processUptime(pid: number): Promise<number | null> {
  const [stat, uptime] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null), readFile('/proc/uptime', 'utf8').catch(() => null)]);
  if (!stat || !uptime) return null;
  const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  return Math.max(0, Math.round(Number(uptime.split(' ')[0]) - startTicks / TICKS_PER_SECOND));
}

function stateName(power: PowerStateValue): InstanceDiagnostics['state'] {
  switch (power) {
    case PowerState.RUNNING: return 'running';
    case PowerState.PAUSED: return 'paused';
    case PowerState.SUSPENDED: return 'suspended';
    case PowerState.CRASHED: return 'crashed';
    case PowerState.SHUTDOWN: return 'shutdown';
    default: return 'pending';
  }
}
