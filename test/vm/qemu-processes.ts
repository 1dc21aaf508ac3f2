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
 * Kills (by pid, at once) every QEMU whose command line names files under `dir` and says
 * which: a test cloud's data dir holds its guests' disks, consoles and QMP sockets, so
 * this finds exactly its own guests, also those whose uuids the harness never learnt
 * (Tempest makes them). Synchronous, for the harness's exit hook (Ctrl-C, SIGTERM).
 */
export function killQemusUnder(dir: string): string[] {
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
