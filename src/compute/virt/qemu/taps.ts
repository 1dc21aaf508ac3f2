import { CommandFailed, runCommand } from '../../../core/exec.js';

const ipArgs = (netns: string | undefined, args: string[]): string[] => (netns ? ['-n', netns, ...args] : args);

async function tapExists(name: string, netns?: string): Promise<boolean> {
  try {
    await runCommand('ip', ipArgs(netns, ['link', 'show', 'dev', name]));
    return true;
  } catch (e) {
    if (e instanceof CommandFailed) return false;
    throw e;
  }
}

/**
 * The port's tap, made by the network agent when the port was bound to this host
 * (Neutron's linuxbridge agent, here the linux dataplane, plugs it into the network's
 * bridge). QEMU opens it by name. Waits `waitMs` for it; when it never comes (a
 * dataplane that does not wire hosts) the driver makes a persistent tap itself, so the
 * guest still has its NIC, and answers true: the driver then removes it with the guest.
 */
export async function ensureTap(name: string, waitMs: number, netns?: string): Promise<{ madeHere: boolean }> {
  const end = Date.now() + waitMs;
  for (;;) {
    if (await tapExists(name, netns)) return { madeHere: false };
    if (Date.now() >= end) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    await runCommand('ip', ipArgs(netns, ['tuntap', 'add', 'dev', name, 'mode', 'tap']));
  } catch (e) {
    // Made by the network agent in the meantime: then it is the agent's.
    if (e instanceof CommandFailed && (await tapExists(name, netns))) return { madeHere: false };
    throw e;
  }
  await runCommand('ip', ipArgs(netns, ['link', 'set', 'dev', name, 'up']));
  return { madeHere: true };
}

export async function removeTap(name: string, netns?: string): Promise<void> {
  try {
    await runCommand('ip', ipArgs(netns, ['link', 'del', 'dev', name]));
  } catch (e) {
    if (!(e instanceof CommandFailed && /Cannot find device|does not exist/.test(e.stderr))) throw e;
  }
}
