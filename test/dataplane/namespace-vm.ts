/**
 * A "VM" for the dataplane tier: a network namespace with one interface, the peer of
 * a veth named as the port's tap (`tap` + 11 characters of the port id), made before
 * the port is bound so the agent plugs it as it would plug QEMU's tap. It gets its
 * address the way a guest does: DHCP from the network's real dnsmasq (busybox udhcpc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from '../lib/proc.js';

/** udhcpc hands the lease to a script; this one applies it as a guest's init would (address, routes, MTU). */
const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    if [ -n "$staticroutes" ]; then
      set -- $staticroutes
      while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$interface"; shift 2; done
    elif [ -n "$router" ]; then
      ip route replace default via "\${router%% *}" dev "$interface"
    fi
    echo "LEASE $ip/$mask router=$router routes=$staticroutes mtu=$mtu dns=$dns" ;;
esac
exit 0
`;

export function writeUdhcpcScript(dir: string): string {
  const file = join(dir, 'udhcpc.script');
  writeFileSync(file, UDHCPC_SCRIPT, { mode: 0o755 });
  return file;
}

async function must(cmd: string, args: string[]): Promise<RunResult> {
  const r = await run(cmd, args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

export class NamespaceVm {
  readonly tap: string;

  /** `netns`: the VM's namespace; `hostNamespace`: where the bridge lives (the host's own when absent). */
  constructor(readonly netns: string, readonly portId: string, readonly mac: string, readonly hostNamespace?: string) {
    this.tap = `tap${portId.slice(0, 11)}`;
  }

  async create(): Promise<void> {
    await must('ip', ['netns', 'add', this.netns]);
    const inHost = this.hostNamespace ? ['-n', this.hostNamespace] : [];
    await must('ip', [...inHost, 'link', 'add', 'name', this.tap, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.netns]);
    await must('ip', ['-n', this.netns, 'link', 'set', 'dev', 'eth0', 'address', this.mac, 'up']);
    await must('ip', ['-n', this.netns, 'link', 'set', 'dev', 'lo', 'up']);
  }

  exec(args: string[], timeoutMs = 30_000): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.netns, ...args], { timeoutMs });
  }

  /** DHCP as a guest does it; returns the address (CIDR) it was given, or throws with udhcpc's output. */
  async dhcp(script: string, tries = 5): Promise<string> {
    const r = await this.exec(['busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', String(tries), '-T', '1', '-A', '1', '-s', script], 30_000);
    const lease = /LEASE (\S+)/.exec(r.stdout);
    if (r.code !== 0 || !lease) throw new Error(`no DHCP lease: ${(r.stdout + r.stderr).trim().split('\n').slice(-2).join(' | ')}`);
    return lease[1]!;
  }

  /** One ping with a one-second wait; `from` sends from another source address (spoofing when not ours). */
  async ping(ip: string, opts: { from?: string; count?: number } = {}): Promise<boolean> {
    const r = await this.exec(['busybox', 'ping', '-c', String(opts.count ?? 1), '-W', '1', ...(opts.from ? ['-I', opts.from] : []), ip], 15_000);
    return r.code === 0;
  }

  /** An HTTP GET from inside the VM (curl; busybox wget crashes on this Debian); the body, or '' when it failed. */
  async httpGet(url: string, headers: string[] = []): Promise<string> {
    const r = await this.exec(['curl', '-s', '-m', '3', ...headers.flatMap((h) => ['-H', h]), url], 15_000);
    return r.code === 0 ? r.stdout.trim() : '';
  }

  /**
   * Pings every 50 ms from now and resolves with the moment (Date.now()) of the first
   * reply (`want: 'reply'`), or of the last reply before replies stopped (`want: 'loss'`:
   * the moment traffic was cut), or null when that did not happen within `timeoutMs`.
   * This is how a test sees a filter change reach live traffic.
   */
  async pingUntil(ip: string, want: 'reply' | 'loss', timeoutMs: number): Promise<number | null> {
    const child = spawn('ip', ['netns', 'exec', this.netns, 'busybox', 'ping', '-i', '0.05', '-W', '1', ip], { stdio: ['ignore', 'pipe', 'ignore'] });
    const ended = new Promise((resolve) => child.once('exit', resolve));
    let lastReplyAt: number | null = null;
    let buffer = '';
    return new Promise<number | null>((resolve) => {
      const finish = (v: number | null): void => {
        clearTimeout(timer);
        clearInterval(silence);
        child.kill('SIGINT');
        void ended.then(() => resolve(v));
      };
      const timer = setTimeout(() => finish(null), timeoutMs);
      // Replies come every 50 ms: none for 300 ms after some means traffic was cut.
      const silence = setInterval(() => {
        if (want === 'loss' && lastReplyAt !== null && Date.now() - lastReplyAt > 300) finish(lastReplyAt);
      }, 50);
      child.stdout.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        if (!lines.some((l) => /seq=\d+/.test(l))) return;
        lastReplyAt = Date.now();
        if (want === 'reply') finish(lastReplyAt);
      });
    });
  }

  async addAddress(cidr: string): Promise<void> {
    await must('ip', ['-n', this.netns, 'addr', 'add', cidr, 'dev', 'eth0']);
  }

  /** Deleting the namespace deletes its veth end, and with it the tap on the bridge. */
  async remove(): Promise<void> {
    await run('ip', ['netns', 'del', this.netns], { timeoutMs: 30_000 });
  }
}

/** A CGI script answering with the caller's IPv4 address (busybox httpd gives it as [::ffff:a.b.c.d]). */
const CALLER_PAGE = String.raw`#!/bin/sh
ip=$(echo "$REMOTE_ADDR" | sed -e 's/^\[::ffff://' -e 's/\]$//')
printf 'Content-Type: text/plain\r\n\r\n%s' "$ip"
`;

/**
 * A host on the external network that is not a port: a namespace plugged straight into
 * the external bridge, serving one CGI page that answers with the caller's address
 * (busybox httpd), so a test sees what source address its traffic arrived from.
 */
export class OutsideHost {
  private constructor(readonly netns: string, private readonly server: ChildProcess) {}

  static async start(netns: string, bridge: string, cidr: string, workDir: string): Promise<OutsideHost> {
    const root = join(workDir, 'outside-www');
    mkdirSync(join(root, 'cgi-bin'), { recursive: true });
    writeFileSync(join(root, 'cgi-bin', 'ip'), CALLER_PAGE, { mode: 0o755 });
    await must('ip', ['netns', 'add', netns]);
    await must('ip', ['link', 'add', 'name', `${netns}`.slice(-15), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    await must('ip', ['link', 'set', 'dev', `${netns}`.slice(-15), 'master', bridge, 'up']);
    await must('ip', ['-n', netns, 'addr', 'add', cidr, 'dev', 'eth0']);
    await must('ip', ['-n', netns, 'link', 'set', 'dev', 'eth0', 'up']);
    await must('ip', ['-n', netns, 'link', 'set', 'dev', 'lo', 'up']);
    const server = spawn('ip', ['netns', 'exec', netns, 'busybox', 'httpd', '-f', '-p', '8080', '-h', root], { stdio: 'ignore' });
    return new OutsideHost(netns, server);
  }

  async stop(): Promise<void> {
    if (this.server.exitCode === null && this.server.signalCode === null) {
      const exited = new Promise((resolve) => this.server.once('exit', resolve));
      this.server.kill('SIGTERM');
      await exited;
    }
    await run('ip', ['netns', 'del', this.netns], { timeoutMs: 30_000 });
  }
}
