/**
 * The machine side of the dataplane bench: checks that it can run at all, gives it a
 * network namespace of its own to stand in for the host, and counts what the cloud's
 * agent made there (bridges, devices, nft rules, namespaces, daemons and their memory).
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: Error;
}

/**
 * A command to its end, never rejecting. Not test/lib/proc's run: that one installs
 * exit handlers that end the process on SIGTERM at once, and the parent of the bench
 * must outlive its child to sweep after it.
 */
function run(cmd: string, args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), ...(err && typeof err.code === 'string' ? { spawnError: err } : {}) });
    });
  });
}

/** Host tools the linux dataplane (ip, nft, dnsmasq, conntrack) and the bench (busybox, iperf3, nsenter) use. */
const TOOLS: Array<[string, string[]]> = [
  ['ip', ['-V']], ['nft', ['--version']], ['dnsmasq', ['--version']], ['conntrack', ['--version']],
  ['busybox', ['true']], ['iperf3', ['--version']], ['nsenter', ['--version']], ['curl', ['--version']],
];

/** Throws (the bench exits non-zero) unless it runs as root with every tool it needs. */
export async function preflight(): Promise<void> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error('bench:dataplane needs root (network namespaces, bridges, nftables, dnsmasq)');
  }
  const missing: string[] = [];
  for (const [tool, args] of TOOLS) {
    const r = await run(tool, args, { timeoutMs: 10_000 });
    if (r.spawnError || r.code !== 0) missing.push(tool);
  }
  if (missing.length > 0) {
    throw new Error(`bench:dataplane is missing ${missing.join(', ')} (Debian: apt-get install iproute2 nftables dnsmasq-base conntrack busybox iperf3 util-linux curl)`);
  }
}

/** Runs a command that must work; its output, or an error carrying what it said. */
export async function must(cmd: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  const r = await run(cmd, args, { timeoutMs });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.spawnError?.message ?? (r.stderr.trim() || r.stdout.trim())}`);
  return r;
}

/** Set in the environment of the bench re-run inside its host namespace. */
const INSIDE = 'STRATUS_BENCH_HOST_NETNS';

/** The bench's own host namespace when this process runs inside it. */
export const benchHostNamespace = (): string | undefined => process.env[INSIDE];

/**
 * Runs this same script again inside a fresh network namespace standing in for the
 * host, and removes the namespace after. Why: the agent's reconcile removes every
 * `stbr-` bridge and bridged tap it does not want in its network namespace, whatever
 * the namespace prefix, so a bench cloud in the machine's own namespace would take down
 * a dataplane test running beside it (and its fake-host underlay would clash with
 * theirs on 169.254.250.0/24). Only the network namespace changes (nsenter --net): the
 * mounts, so /run/netns and /run/stratus, stay the machine's. The child gets `budgetMs`
 * and then SIGTERM, on which it tears down what it made; `label` names the bench in
 * what this prints.
 */
export async function rerunInOwnHost(script: string, budgetMs: number, label = 'bench:dataplane'): Promise<number> {
  const netns = `stbench-host-${randomBytes(2).toString('hex')}`;
  await must('ip', ['netns', 'add', netns]);
  try {
    await must('ip', ['-n', netns, 'link', 'set', 'dev', 'lo', 'up']);
    const child = spawn('nsenter', [`--net=/run/netns/${netns}`, process.execPath, script], { stdio: 'inherit', env: { ...process.env, [INSIDE]: netns } });
    // Ctrl-C reaches the child too (one process group); this parent waits for its teardown.
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    const watchdog = setTimeout(() => {
      console.error(`${label}: over its ${budgetMs / 1000} s budget, stopping it`);
      child.kill('SIGTERM');
    }, budgetMs);
    const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
    clearTimeout(watchdog);
    process.off('SIGINT', ignore);
    return code;
  } finally {
    // Whatever links are still in it go with it.
    await run('ip', ['netns', 'del', netns]);
  }
}

/** Namespaces whose names start with `prefix`. */
export async function namespacesWith(prefix: string): Promise<string[]> {
  const r = await run('ip', ['-j', 'netns', 'list']);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Array<{ name: string }>).map((n) => n.name).filter((n) => n.startsWith(prefix)) : [];
}

/** Names of the links in this namespace. */
async function links(): Promise<string[]> {
  const r = await run('ip', ['-j', 'link', 'show']);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Array<{ ifname: string }>).map((l) => l.ifname) : [];
}

/** nft rules per table in this namespace (all of them are the agent's: the bench host namespace has no others). */
async function nftRules(): Promise<Record<string, number>> {
  const r = await must('nft', ['-j', 'list', 'ruleset']);
  const items = (JSON.parse(r.stdout) as { nftables: Array<Record<string, { family: string; table: string }>> }).nftables;
  const out: Record<string, number> = {};
  for (const item of items) {
    const rule = item['rule'];
    if (rule) out[`${rule.family} ${rule.table}`] = (out[`${rule.family} ${rule.table}`] ?? 0) + 1;
  }
  return out;
}

export interface DaemonCount {
  count: number;
  rssMb: number;
}

/** Processes whose command line names `marker` (the agent's run dir), by program; with their summed RSS. */
export function daemonsOf(marker: string): Record<string, DaemonCount> {
  const out: Record<string, DaemonCount> = {};
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!cmd.some((a) => a.includes(marker))) continue;
      const program = cmd.some((a) => a.endsWith('ns-proxy.js')) ? 'ns-proxy' : (cmd[0] ?? '?').split('/').pop()!;
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      const d = (out[program] ??= { count: 0, rssMb: 0 });
      d.count++;
      d.rssMb += kb / 1024;
    } catch {
      // Gone meanwhile.
    }
  }
  for (const d of Object.values(out)) d.rssMb = Math.round(d.rssMb);
  return out;
}

/** "process PID PROGRAM" for each process whose command line names `marker`. */
export function processesOf(marker: string): string[] {
  return pidsOf(marker).map((pid) => {
    try { return `process ${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 2).join(' ')}`; } catch { return `process ${pid}`; }
  });
}

/** Pids of processes whose command line names `marker`. */
export function pidsOf(marker: string): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a.includes(marker)); } catch { return false; }
  }).map(Number);
}

export interface HostFootprint {
  bridges: number;
  /** Port devices on the host (`tap…`): the agent's taps and the bridge ends of DHCP and router ports' veths. */
  portDevices: number;
  vxlanDevices: number;
  nftRules: Record<string, number>;
  namespaces: number;
  daemons: Record<string, DaemonCount>;
}

/** What the agent has made on the bench host: its devices, rules, namespaces and daemons. */
export async function hostFootprint(prefix: string, runDir: string): Promise<HostFootprint> {
  const ls = await links();
  return {
    bridges: ls.filter((l) => l.startsWith('stbr-')).length,
    portDevices: ls.filter((l) => l.startsWith('tap')).length,
    vxlanDevices: ls.filter((l) => l.startsWith('stvx-')).length,
    nftRules: await nftRules(),
    namespaces: (await namespacesWith(prefix)).length,
    daemons: daemonsOf(runDir),
  };
}

/**
 * After the bench, whatever it made, found by its prefix alone: daemons naming the
 * agents' run dirs (dnsmasq, metadata proxies), namespaces, run dirs. The bench's own
 * teardown should have left nothing; this covers a bench that was stopped or crashed.
 * Returns what it removed.
 */
export async function lastChanceSweep(prefix: string): Promise<string[]> {
  const marker = `/run/stratus/${prefix}network-agent-`;
  const found: string[] = [];
  for (const pid of pidsOf(marker)) {
    found.push(`process ${pid}`);
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
  }
  for (const ns of await namespacesWith(prefix)) {
    found.push(`namespace ${ns}`);
    await run('ip', ['netns', 'del', ns]);
  }
  for (const dir of (existsSync('/run/stratus') ? readdirSync('/run/stratus', { withFileTypes: true }) : []).filter((d) => d.name.startsWith(`${prefix}network-agent-`))) {
    found.push(`directory /run/stratus/${dir.name}`);
    rmSync(`/run/stratus/${dir.name}`, { recursive: true, force: true });
  }
  return found;
}
