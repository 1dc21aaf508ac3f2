/**
 * Figure 2, security-group rule change to enforcement on live traffic: VM `a` (default
 * group) pings VM `b` (a group without ICMP ingress) every 50 ms the whole time; an
 * ICMP ingress rule is made and deleted again, and the bench times, from each API call
 * returning, the first reply (rule made) and the first lost probe (rule deleted).
 * Deleting must also cut the ping flow already in conntrack, which the agent forgets
 * for removed rules.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { bootVm, removeVm, sleep, summary, type BenchContext, type P50P99 } from './vms.js';

const INTERVAL_MS = 50;

/**
 * A busybox ping running in a VM namespace, each reply stamped as it arrives (busybox
 * flushes every line, so a pipe does not delay them). Bounded by its own deadline.
 */
class PingStream {
  readonly replies: number[] = [];
  private readonly child: ChildProcess;
  private rest = '';

  constructor(netns: string, ip: string, deadlineS: number) {
    this.child = spawn('ip', ['netns', 'exec', netns, 'busybox', 'ping', '-i', String(INTERVAL_MS / 1000), '-w', String(deadlineS), ip], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child.stdout!.on('data', (d: Buffer) => {
      const now = performance.now();
      const lines = (this.rest + d.toString()).split('\n');
      this.rest = lines.pop() ?? '';
      for (const l of lines) if (l.includes('seq=')) this.replies.push(now);
    });
  }

  /** The first reply at or after `t`, waiting up to `ms`; null if none came. */
  async firstReplyAfter(t: number, ms: number): Promise<number | null> {
    const until = performance.now() + ms;
    for (;;) {
      const r = this.replies.find((x) => x >= t);
      if (r !== undefined) return r;
      if (performance.now() > until) return null;
      await sleep(5);
    }
  }

  /** Waits until no reply has come for `quietMs` (up to `ms`); the last reply's time, or null if replies never stopped. */
  async lastReplyBeforeQuiet(quietMs: number, ms: number): Promise<number | null> {
    const until = performance.now() + ms;
    for (;;) {
      const last = this.replies.at(-1) ?? -Infinity;
      if (performance.now() - last >= quietMs) return last;
      if (performance.now() > until) return null;
      await sleep(10);
    }
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    return exited;
  }
}

export interface SgEnforcement {
  intervalMs: number;
  /** POST returned -> first reply (negative: a reply came before the POST returned). */
  open: P50P99;
  /** DELETE returned -> first lost probe (resolution: the ping interval). */
  close: P50P99;
  /** Trials in which the ping never opened or never stopped. */
  failures: string[];
}

export async function measureSgEnforcement(ctx: BenchContext, networkId: string, trials: number): Promise<SgEnforcement> {
  const group = await ctx.neutron.securityGroup('bench-probe');
  const a = await bootVm(ctx, 'sg-a', networkId);
  const b = await bootVm(ctx, 'sg-b', networkId, { securityGroups: [group] });
  const ping = new PingStream(a.vm.netns, b.port.ip, 10 + trials * 6);
  const open: number[] = [];
  const close: number[] = [];
  const failures: string[] = [];
  try {
    // Blocked to begin with: nothing may come back before the first rule.
    await sleep(500);
    if (ping.replies.length > 0) throw new Error('b answered a before any ICMP rule: the filter does not hold');
    for (let i = 0; i < trials; i++) {
      const sent = performance.now();
      const rule = await ctx.neutron.icmpIngressRule(group);
      const made = performance.now();
      const reply = await ping.firstReplyAfter(sent, 5_000);
      if (reply === null) failures.push(`trial ${i}: no reply within 5 s of the rule`);
      else open.push(reply - made);
      await sleep(300);
      await ctx.neutron.deleteRule(rule);
      const deleted = performance.now();
      // Quiet for 10 intervals means the flow is cut; the probe after the last reply was the first lost.
      const last = await ping.lastReplyBeforeQuiet(INTERVAL_MS * 10, 3_000);
      if (last === null) failures.push(`trial ${i}: replies still coming 3 s after the delete`);
      else close.push(Math.max(last, deleted) + INTERVAL_MS - deleted);
    }
  } finally {
    await ping.stop();
    await removeVm(ctx, a);
    await removeVm(ctx, b);
  }
  await ctx.neutron.call('DELETE', `/v2.0/security-groups/${group}`);
  return { intervalMs: INTERVAL_MS, open: summary(open), close: summary(close), failures };
}
