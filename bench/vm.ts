/**
 * Real-VM figures on the QEMU driver (TCG here: no /dev/kvm):
 *  1. boot time, POST /servers to the user-data marker on the serial console, alone
 *     (N boots) and in rounds of 4 at once, next to the same guest booted by hand with
 *     qemu-system-x86_64 (the driver's own command line, a config drive, user-mode
 *     networking: see bench/vm/bare-guests.ts), and again with --config-drive true so
 *     cloud and bare read their metadata from the same place. The kinds take turns
 *     (cloud, bare, config drive, rotated each time) so load from elsewhere on the
 *     machine falls on all of them alike. Ratio Stratus/bare of the p50s; target <= 1.2x;
 *  2. the all-in-one process's RSS and CPU over an idle window with no guest and with
 *     10 guests running, and the QEMUs' RSS and CPU.
 * A warm-up boot of each kind comes first (image download into the host's cache,
 * the network's DHCP server, page cache) and is not counted.
 * Everything is then deleted through the API, the cloud stopped, and the host checked:
 * no QEMU of the run, nothing of its prefix. It runs in a network namespace of its own
 * (bench/dataplane/host.ts rerunInOwnHost) so its network agent cannot touch another
 * cloud's bridges and taps on this machine, nor theirs its own.
 * Run: npm run bench:vm  (prints a summary; writes bench/results/vm.json and the
 * cloud's log beside it). Sizes come from BENCH_VM_* variables (below); the defaults
 * take about 14 minutes on 2 busy cores (load 5-13 from other work when measured).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { guestImageCacheDir } from '../src/cli/virt-drivers.js';
import { ensureGuestImage } from '../src/guest/guest-image.js';
import { agentRunDir } from '../src/network/agent/host-dataplane.js';
import { leftovers, sweep, type Footprint } from '../test/dataplane/leftovers.js';
import { onExit } from '../test/lib/exit.js';
import { killLeftoverQemus } from '../test/vm/qemu-processes.js';
import { benchHostNamespace, lastChanceSweep, rerunInOwnHost } from './dataplane/host.js';
import { logProblems } from './dataplane/report.js';
import { cloudLog } from './dataplane/resync.js';
import { sleep } from './dataplane/vms.js';
import { envNumber, startCloud, type BenchCloud } from './lib.js';
import { BareGuests } from './vm/bare-guests.js';
import { CloudGuests, type Flavor } from './vm/cloud-guests.js';
import type { BootTrace } from './vm/console-trace.js';
import { measureIdle } from './vm/idle.js';
import { killQemusNaming, removeRunDirs, runDirPrefix } from './vm/sweep.js';
import { printSummary, summarizeAll, type BootKind, type BootSeries, type VmResults } from './vm/report.js';

const OFFSET = envNumber('BENCH_PORT_OFFSET', 26500);
const SINGLE = envNumber('BENCH_VM_SINGLE', 5);
const ROUNDS = envNumber('BENCH_VM_ROUNDS', 3);
const AT_ONCE = envNumber('BENCH_VM_AT_ONCE', 4);
const IDLE_VMS = envNumber('BENCH_VM_IDLE_VMS', 10);
const IDLE_S = envNumber('BENCH_VM_IDLE_S', 30);
/** 0 leaves out the cloud boots with a config drive. */
const CONFIG_DRIVE = envNumber('BENCH_VM_CONFIG_DRIVE', 1) !== 0;
const BUDGET_MS = envNumber('BENCH_BUDGET_S', 2700) * 1000;

const HOST = 'vm-bench';
const FLAVOR: Flavor = { ramMb: 192, vcpus: 1, diskGb: 1 };
const TENANT_CIDR = '10.82.0.0/24';
/** Per boot; four at once on 2 TCG cores take a few times one alone. */
const BOOT_TIMEOUT_MS = 300_000;

const progress = (what: string, since: number): void => { console.error(`bench:vm: ${what} (${Math.round((performance.now() - since) / 1000)} s)`); };

/** The QEMU driver on the linux dataplane, TCG without a KVM probe, Nova's wait for the port to be plugged. */
function vmConf(prefix: string): string {
  return [
    '[DEFAULT]', `host = ${HOST}`, '',
    '[network]', 'dataplane = linux', `namespace_prefix = ${prefix}`, '',
    '[compute]', 'compute_driver = qemu', 'vif_plugging_timeout = 60', '',
    '[qemu]', 'virt_type = qemu', '',
  ].join('\n');
}

/** Throws unless it runs as root with the tools the driver, the dataplane and the baseline use. */
async function preflight(): Promise<void> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) throw new Error('bench:vm needs root (QEMU on taps, namespaces, bridges)');
  const missing: string[] = [];
  for (const tool of ['qemu-system-x86_64', 'qemu-img', 'genisoimage', 'ip', 'nft', 'dnsmasq', 'nsenter']) {
    const ok = await new Promise<boolean>((r) => execFile('sh', ['-c', `command -v ${tool}`], (err) => r(!err)));
    if (!ok) missing.push(tool);
  }
  if (missing.length > 0) throw new Error(`bench:vm is missing ${missing.join(', ')} (Debian: apt-get install qemu-system-x86 qemu-utils genisoimage iproute2 nftables dnsmasq-base util-linux)`);
}

/** Links in this (the bench's own) namespace besides lo: whatever is there after the cloud stopped is a leftover. */
async function linksLeft(): Promise<string[]> {
  const out = await new Promise<string>((r) => execFile('ip', ['-j', 'link', 'show'], (_e, stdout) => r(String(stdout))));
  return out.trim() ? (JSON.parse(out) as Array<{ ifname: string }>).map((l) => l.ifname).filter((n) => n !== 'lo').map((n) => `device ${n}`) : [];
}

/** The boots: warm-up, then alone and at once, the kinds taking turns. */
async function measureBoots(cloudGuests: CloudGuests, bare: BareGuests, boots: Partial<Record<BootKind, BootSeries>>): Promise<void> {
  const kinds: BootKind[] = CONFIG_DRIVE ? ['cloud', 'bare', 'cloudConfigDrive'] : ['cloud', 'bare'];
  for (const k of kinds) boots[k] = { single: [], concurrent: [] };
  // A boot and, once its guest is no longer needed, what removes it. Bare kills its
  // QEMU at once; the cloud's DELETE takes a moment and the bench polls the API until the
  // server is gone. In a round of AT_ONCE the guests are all removed after the last
  // marker, so neither kind gets CPU back early from a boot that finished first.
  const start = async (kind: BootKind, name: string): Promise<{ trace: BootTrace; remove: () => Promise<void> }> => {
    if (kind === 'bare') return bare.bootKept(name, BOOT_TIMEOUT_MS);
    const { id, trace } = await cloudGuests.boot(name, kind === 'cloudConfigDrive', BOOT_TIMEOUT_MS);
    return { trace, remove: () => cloudGuests.remove(id) };
  };
  const one = async (kind: BootKind, name: string): Promise<BootTrace> => {
    const { trace, remove } = await start(kind, name);
    await remove();
    return trace;
  };
  const round = async (kind: BootKind, names: string[]): Promise<BootTrace[]> => {
    const booted = await Promise.allSettled(names.map((n) => start(kind, n)));
    await Promise.all(booted.map((b) => (b.status === 'fulfilled' ? b.value.remove() : undefined)));
    const failed = booted.find((b): b is PromiseRejectedResult => b.status === 'rejected');
    if (failed) throw failed.reason;
    return booted.map((b) => (b as PromiseFulfilledResult<{ trace: BootTrace }>).value.trace);
  };
  const t = performance.now();
  await one('cloud', 'warm-cloud');
  await one('bare', 'warm-bare');
  progress('warm-up boots done', t);
  const rotated = (i: number): BootKind[] => kinds.map((_, j) => kinds[(i + j) % kinds.length]!);
  for (let i = 0; i < SINGLE; i++) {
    for (const kind of rotated(i)) boots[kind]!.single.push(await one(kind, `one-${kind}-${i}`));
    progress(`alone: round ${i + 1}/${SINGLE}`, t);
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of rotated(r)) {
      // Each boot its own POST, sent together; each timed from its own POST.
      const traces = await round(kind, Array.from({ length: AT_ONCE }, (_, j) => `many-${kind}-${r}-${j}`));
      boots[kind]!.concurrent.push(traces);
    }
    progress(`${AT_ONCE} at once: round ${r + 1}/${ROUNDS}`, t);
  }
}

/** Idle cost with no guest, then with IDLE_VMS guests booted at once and up. */
async function measureIdleCost(cloud: BenchCloud, guests: CloudGuests, prefix: string): Promise<NonNullable<VmResults['idle']>> {
  const pid = cloud.proc.pid!;
  const runDir = agentRunDir(prefix, HOST);
  const t = performance.now();
  const noVms = await measureIdle(pid, [], runDir, IDLE_S);
  // In batches of AT_ONCE, not all at once: ten at once on this 2-core host lose a port to a
  // tap race between the driver and the network agent (see the report of the first run).
  const booted: Array<{ id: string }> = [];
  const start = performance.now();
  for (let i = 0; i < IDLE_VMS; i += AT_ONCE) {
    const batch = Array.from({ length: Math.min(AT_ONCE, IDLE_VMS - i) }, (_, j) => guests.boot(`idle-${i + j}`, false, BOOT_TIMEOUT_MS));
    booted.push(...await Promise.all(batch));
  }
  const allBootedMs = Math.round(performance.now() - start);
  progress(`idle: ${IDLE_VMS} VMs up`, t);
  await sleep(5000);
  const pids = await Promise.all(booted.map((b) => guests.qemuPid(b.id)));
  if (pids.some((p) => p === null)) throw new Error('a QEMU of the idle guests is gone');
  const withVms = await measureIdle(pid, pids as number[], runDir, IDLE_S);
  progress('idle: measured', t);
  await Promise.all(booted.map((b) => guests.remove(b.id)));
  return { noVms, withVms, allBootedMs };
}

/** The bench proper, inside its own host namespace. */
async function inside(prefix: string): Promise<void> {
  const t0 = performance.now();
  await preflight();
  const guest = await ensureGuestImage({ cacheDir: guestImageCacheDir(), log: (m) => console.error(`bench:vm: ${m}`) });
  const work = mkdtempSync(join(tmpdir(), `${runDirPrefix(prefix)}bare-`));
  const dataDir = mkdtempSync(join(tmpdir(), `${runDirPrefix(prefix)}cloud-`));
  writeFileSync(join(dataDir, 'stratus.conf'), vmConf(prefix));
  const bare = new BareGuests(work, guest.qcow2, FLAVOR);
  const footprint: Footprint = { prefix, networkIds: [], portIds: [], vmNamespaces: [], runDir: agentRunDir(prefix, HOST) };
  const results: VmResults = {
    loadavgAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    method: {
      markerDetection: 'console.log read directly from the instance directory (bare: its own dir) every 50 ms, new bytes only; no API polling while a guest boots (one GET /servers/ID per 5 s to notice ERROR)',
      cloudStart: 'POST /servers sent (compute API, admin token, no CLI)',
      bareStart: 'before qemu-img create of its overlay (then config drive ISO, then QEMU -daemonize)',
      bareDiffers: 'NIC on -netdev user (QEMU\'s built-in DHCP) instead of a tap on the cloud\'s bridge with dnsmasq; metadata from a config drive, no metadata service; otherwise the driver\'s qemuArgs',
      cloudDiffers: 'scheduling, placement, port binding and Nova\'s wait for network-vif-plugged (60 s timeout) before QEMU starts; DHCP from dnsmasq; metadata over HTTP through the DHCP namespace\'s proxy (or the config drive with --config-drive true)',
      order: 'kinds take turns, order rotated per round; warm-up boot of cloud and bare not counted; in a round at once every guest is removed after the round\'s last marker',
    },
    flavor: FLAVOR, concurrency: AT_ONCE, startup: { answeredMs: -1, readyMs: -1 }, boots: {},
  };
  let cloud: BenchCloud | null = null;
  let guests: CloudGuests | null = null;
  // Stopped from outside (budget, Ctrl-C): the cloud and every QEMU of the run go; the parent sweeps the rest.
  onExit(() => {
    if (cloud?.proc.exitCode === null) cloud.proc.kill('SIGKILL');
    killQemusNaming(runDirPrefix(prefix));
  });
  try {
    cloud = await startCloud(OFFSET, '', { dataDir, readyTimeoutMs: 120_000 });
    results.startup = { answeredMs: Math.round(cloud.answeredMs), readyMs: Math.round(cloud.readyMs) };
    if (cloud.readyMs < 0) throw new Error(`the cloud was not ready in 120 s:\n${cloud.output().slice(-3000)}`);
    guests = await CloudGuests.connect(cloud, OFFSET, HOST);
    await guests.setUp(guest.qcow2, FLAVOR, TENANT_CIDR);
    footprint.networkIds.push(guests.network!.id);
    progress('cloud up, image uploaded, network made', t0);
    await measureBoots(guests, bare, results.boots);
    results.idle = await measureIdleCost(cloud, guests, prefix);
  } catch (e) {
    results.error = e instanceof Error ? e.message : String(e);
  }
  const apiErrors = guests ? await guests.tearDown() : [];
  // The agent takes the network down after the API delete: give it a minute before the cloud stops.
  for (let i = 0; i < 240 && (await leftovers(footprint)).some((l) => !l.startsWith('directory')); i++) await sleep(250);
  await cloud?.stop({ keepDataDir: true });
  const leftQemus = [...await killLeftoverQemus(guests?.all ?? []), ...(await bare.killAll()).map((p) => `bare qemu ${p}`)];
  const leftOnHost = [...await leftovers(footprint), ...await linksLeft()];
  const swept = await sweep(footprint);
  results.cleanup = { apiErrors, leftQemus, leftOnHost, swept };
  const log = cloud ? [cloudLog(cloud), cloud.output()].join('\n') : '';
  results.cloudLog = logProblems(log);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
  summarizeAll(results);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/vm.json', `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync('bench/results/vm-cloud.log', log);
  printSummary(results);
  progress('done', t0);
  if (results.error || leftQemus.length > 0 || leftOnHost.length > 0) process.exitCode = 1;
}

async function main(): Promise<void> {
  const prefix = process.env['STRATUS_BENCH_PREFIX'];
  if (benchHostNamespace() && prefix) return inside(prefix);
  await preflight();
  const own = `vmb${randomBytes(2).toString('hex')}-`;
  process.env['STRATUS_BENCH_PREFIX'] = own;
  const code = await rerunInOwnHost(fileURLToPath(import.meta.url), BUDGET_MS, 'bench:vm');
  const swept = [...killQemusNaming(runDirPrefix(own)), ...await lastChanceSweep(own), ...removeRunDirs(own)];
  if (swept.length > 0) console.error(`bench:vm: removed what the run left: ${swept.join(', ')}`);
  process.exitCode = code;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
