import { CommandFailed, ipJson, runCommand } from './exec.js';

/** Named network namespaces (`ip netns`): the DHCP servers' and routers' private stacks. */

export async function listNamespaces(): Promise<string[]> {
  return (await ipJson<{ name: string }>(['netns', 'list'])).map((n) => n.name);
}

/** A namespace with its loopback up; idempotent. */
export async function ensureNamespace(name: string): Promise<void> {
  try {
    await runCommand('ip', ['netns', 'add', name]);
  } catch (e) {
    if (!(e instanceof CommandFailed && /File exists/.test(e.stderr))) throw e;
  }
  await runCommand('ip', ['-n', name, 'link', 'set', 'dev', 'lo', 'up']);
}

/** Deletes a namespace (its devices go with it, veth peers included); idempotent. */
export async function removeNamespace(name: string): Promise<void> {
  try {
    await runCommand('ip', ['netns', 'del', name]);
  } catch (e) {
    if (e instanceof CommandFailed && /No such file|not found/i.test(e.stderr)) return;
    throw e;
  }
}

/** Makes an interface (of `netns`, or the host's own) hold exactly these addresses (CIDR form), leaving link-locals alone. */
export async function setAddresses(netns: string | undefined, device: string, cidrs: readonly string[]): Promise<void> {
  const rows = await ipJson<{ addr_info?: Array<{ local: string; prefixlen: number; scope: string }> }>(['addr', 'show', 'dev', device], netns);
  const current = (rows[0]?.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`);
  const ip = (args: string[]): Promise<string> => runCommand('ip', [...(netns ? ['-n', netns] : []), ...args]);
  for (const c of cidrs) if (!current.includes(c)) await ip(['addr', 'replace', c, 'dev', device]);
  for (const c of current) if (!cidrs.includes(c)) await ip(['addr', 'del', c, 'dev', device]);
}

/** A namespace's routes of one protocol (`static` for the ones we add), as `destination via nexthop`. */
export async function routesOf(netns: string, proto: string): Promise<Array<{ dst: string; gateway?: string }>> {
  return ipJson<{ dst: string; gateway?: string }>(['route', 'show', 'proto', proto], netns);
}
