/**
 * The last resort after a VM bench that was stopped or crashed: its QEMUs (the cloud's
 * and the bare ones) run daemonized, outliving it, so they are found by the run's own
 * marker in their command line (every disk of the run is under a temp dir named with
 * the run's prefix) and killed by pid; then those temp dirs go. Synchronous, so it can
 * run from an exit handler.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The temp dir names of a run start with this: the cloud's data dir and the bare guests' work dir. */
export const runDirPrefix = (prefix: string): string => `stratus-bench-vm-${prefix}`;

/** Kills (SIGKILL, by pid) every live QEMU whose command line names `marker`; what it killed. */
export function killQemusNaming(marker: string): string[] {
  const killed: string[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmd.startsWith('qemu-system-x86_64\0') || !cmd.includes(marker)) continue;
      process.kill(Number(entry), 'SIGKILL');
      killed.push(`qemu ${entry}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return killed;
}

/** Removes the run's temp dirs; their names. */
export function removeRunDirs(prefix: string): string[] {
  const dirs = readdirSync(tmpdir()).filter((d) => d.startsWith(runDirPrefix(prefix)));
  for (const d of dirs) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  return dirs.map((d) => `directory ${join(tmpdir(), d)}`);
}
