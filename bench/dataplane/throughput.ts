/**
 * Figure 4, throughput with iperf3 (TCP, one stream, `seconds` per run): VM to VM on
 * the main host through the network's bridge and port filters, VM to VM across VXLAN
 * (a VM on the fake host to one on the main host), and a bare veth pair between two
 * namespaces in the same run as the baseline the other two pay for. All VMs are in the
 * default group, whose rules admit its own members, so TCP between them is allowed.
 */
import { spawn } from 'node:child_process';
import { run } from '../../test/lib/proc.js';
import { must } from './host.js';
import { bootVm, removeVm, sleep, type BenchContext } from './vms.js';

export interface Throughput {
  seconds: number;
  /** Gbit/s received. */
  sameHostGbps: number;
  vxlanGbps: number;
  vethBaselineGbps: number;
}

/** One iperf3 run from `clientNs` to a one-shot server in `serverNs`; Gbit/s received. */
async function iperf(serverNs: string, serverIp: string, clientNs: string, seconds: number): Promise<number> {
  const server = spawn('ip', ['netns', 'exec', serverNs, 'iperf3', '-s', '-1', '--forceflush', '-B', serverIp], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    // Listening before the client connects (it prints this once bound; --forceflush, as stdout is a pipe).
    let out = '';
    server.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    for (let i = 0; i < 100 && !out.includes('Server listening'); i++) await sleep(50);
    if (!out.includes('Server listening')) throw new Error(`iperf3 server in ${serverNs} did not start: ${out}`);
    const r = await run('ip', ['netns', 'exec', clientNs, 'iperf3', '-c', serverIp, '-t', String(seconds), '-J'], { timeoutMs: (seconds + 15) * 1000 });
    if (r.code !== 0) throw new Error(`iperf3 ${clientNs} -> ${serverIp}: ${r.stdout.slice(0, 300)} ${r.stderr}`);
    const result = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } };
    return Number((result.end.sum_received.bits_per_second / 1e9).toFixed(2));
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
  }
}

/** Two bare namespaces joined by a veth pair: the same kernel path without bridge, filters or tunnel. */
async function vethBaseline(ctx: BenchContext, seconds: number): Promise<number> {
  const [na, nb] = [`${ctx.prefix}base-a`, `${ctx.prefix}base-b`];
  ctx.footprint.vmNamespaces.push(na, nb);
  try {
    await must('ip', ['netns', 'add', na]);
    await must('ip', ['netns', 'add', nb]);
    await must('ip', ['link', 'add', 'name', 'eth0', 'netns', na, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', nb]);
    for (const [ns, ip] of [[na, '10.199.0.1/24'], [nb, '10.199.0.2/24']] as const) {
      await must('ip', ['-n', ns, 'addr', 'add', ip, 'dev', 'eth0']);
      await must('ip', ['-n', ns, 'link', 'set', 'dev', 'eth0', 'up']);
    }
    return await iperf(nb, '10.199.0.2', na, seconds);
  } finally {
    await run('ip', ['netns', 'del', na]);
    await run('ip', ['netns', 'del', nb]);
  }
}

export async function measureThroughput(ctx: BenchContext, networkId: string, seconds: number): Promise<Throughput> {
  const server = await bootVm(ctx, 'tp-server', networkId);
  const local = await bootVm(ctx, 'tp-local', networkId);
  const remote = await bootVm(ctx, 'tp-remote', networkId, { host: ctx.fakeHost });
  try {
    return {
      seconds,
      sameHostGbps: await iperf(server.vm.netns, server.port.ip, local.vm.netns, seconds),
      vxlanGbps: await iperf(server.vm.netns, server.port.ip, remote.vm.netns, seconds),
      vethBaselineGbps: await vethBaseline(ctx, seconds),
    };
  } finally {
    for (const v of [server, local, remote]) await removeVm(ctx, v);
  }
}
