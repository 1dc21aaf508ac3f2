import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Accelerator } from './qemu-command.js';
import { QEMU_BINARY } from './qemu-process.js';

export interface ProbeResult {
  accel: Accelerator;
  /** Why, for the log and the hypervisor's details. */
  reason: string;
}

/**
 * Does KVM really run a guest here? Opening /dev/kvm is not enough: on some hosts (these
 * CI machines among them) KVM accepts the guest, SeaBIOS even runs, and the Linux kernel
 * then never prints a line. So boot a real kernel under KVM and wait a few seconds for
 * its banner on the serial port; no banner means TCG. Without a kernel to try, TCG too.
 */
export async function probeAccelerator(kernels: string[], timeoutMs: number): Promise<ProbeResult> {
  if (!(await access('/dev/kvm', constants.R_OK | constants.W_OK).then(() => true, () => false))) {
    return { accel: 'tcg', reason: '/dev/kvm is not usable' };
  }
  const kernel = await firstExisting(kernels);
  if (!kernel) return { accel: 'tcg', reason: 'no kernel to probe KVM with (set [qemu] kvm_probe_kernel)' };
  const dir = await mkdtemp(join(tmpdir(), 'stratus-kvm-probe-'));
  const serial = join(dir, 'serial.log');
  const child = spawn(QEMU_BINARY, [
    '-machine', 'pc,accel=kvm', '-cpu', 'host', '-nodefaults', '-no-user-config', '-display', 'none', '-m', '128',
    '-serial', `file:${serial}`, '-kernel', kernel, '-append', 'console=ttyS0 panic=-1', '-no-reboot',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = Date.now();
  try {
    while (Date.now() - started < timeoutMs && child.exitCode === null) {
      if ((await readFile(serial, 'latin1').catch(() => '')).includes('Linux version')) {
        return { accel: 'kvm', reason: `a KVM guest printed its banner after ${Date.now() - started} ms` };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const why = child.exitCode !== null ? `QEMU exited: ${stderr.trim().split('\n')[0] ?? ''}` : `no guest output in ${timeoutMs} ms`;
    return { accel: 'tcg', reason: `KVM probe failed (${why})` };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}

async function firstExisting(candidates: string[]): Promise<string | null> {
  for (const c of candidates) if (await access(c, constants.R_OK).then(() => true, () => false)) return c;
  return null;
}

/** The host's own kernels, newest name first: a fallback kernel for the probe. */
export async function hostKernels(): Promise<string[]> {
  const names = await readdir('/boot').catch(() => [] as string[]);
  return names.filter((n) => n.startsWith('vmlinuz-')).sort().reverse().map((n) => join('/boot', n));
}
