/**
 * SSH into a guest as Tempest does: `cirros@ADDRESS` with the key pair's private key,
 * through the floating IP. The guest's answers are what the VM tier asserts on.
 */
import { run } from '../lib/proc.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class GuestSsh {
  constructor(private readonly keyFile: string, private readonly user = 'cirros') {}

  private args(address: string, command: string, connectTimeout: number): string[] {
    return ['-i', this.keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR',
      '-o', `ConnectTimeout=${connectTimeout}`, `${this.user}@${address}`, command];
  }

  /** One command; its stdout, or an error with what ssh said. */
  async exec(address: string, command: string, timeoutMs = 30_000): Promise<string> {
    const r = await run('ssh', this.args(address, command, 5), { timeoutMs });
    if (r.code !== 0) throw new Error(`ssh ${address} '${command}' exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`);
    return r.stdout;
  }

  /** Retries until the guest answers (it is booting); the command's stdout. */
  async waitExec(address: string, command: string, timeoutMs = 120_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      const r = await run('ssh', this.args(address, command, 3), { timeoutMs: 20_000 });
      if (r.code === 0) return r.stdout;
      last = (r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? '';
      await sleep(500);
    }
    throw new Error(`ssh ${address} never answered in ${timeoutMs / 1000} s: ${last}`);
  }

  /** True when the guest cannot be reached within `timeoutMs` (a paused or stopped guest). */
  async unreachable(address: string, timeoutMs = 4_000): Promise<boolean> {
    const r = await run('ssh', this.args(address, 'true', Math.ceil(timeoutMs / 1000)), { timeoutMs: timeoutMs + 3_000 });
    return r.code !== 0;
  }
}
