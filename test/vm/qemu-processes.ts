/**
 * The test's own QEMU processes, found by the instance uuid in their command line
 * (`-name guest=instance-<uuid>`), never by pattern over other people's processes.
 */
import { readdirSync, readFileSync } from 'node:fs';

function qemuPids(): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmdline.startsWith('qemu-system-x86_64\0') && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') out.push({ pid: Number(entry), cmdline });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** The live QEMU of instance `uuid`, or null. */
export async function qemuPidOf(uuid: string): Promise<number | null> {
  return qemuPids().find((p) => p.cmdline.includes(`instance-${uuid}\0`) || p.cmdline.includes(`instance-${uuid},`))?.pid ?? null;
}

/** QEMUs of these instances still running: killed (by pid) and reported. */
export async function killLeftoverQemus(uuids: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const uuid of uuids) {
    const pid = await qemuPidOf(uuid);
    if (pid === null) continue;
    found.push(`qemu ${pid} of ${uuid}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return found;
}

/**
 * QEMUs still running whose files lie under `dir` (a test cloud's data dir: every
 * instance's disk, console and QMP socket are there), killed by pid and reported; for a
 * run whose instance uuids the harness never learnt (Tempest makes them).
 */
export async function killQemusUnder(dir: string): Promise<string[]> {
  const mark = `${dir.replace(/\/+$/, '')}/`;
  const found: string[] = [];
  for (const p of qemuPids().filter((q) => q.cmdline.includes(mark))) {
    found.push(`qemu ${p.pid} under ${dir}`);
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return found;
}
