/**
 * What a dataplane test may leave behind, found and removed by exact name or by the
 * test cloud's own prefix: never anything the test did not make.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { run } from '../lib/proc.js';

export interface Footprint {
  /** The cloud's [network] namespace_prefix (namespaces, nft tables). */
  prefix: string;
  /** Networks the test made (their bridges are stbr-<id>). */
  networkIds: string[];
  /** Ports the test made (their devices are tap<id>). */
  portIds: string[];
  /** VM namespaces the test made. */
  vmNamespaces: string[];
  /** The cloud's agents' run dir (src/network/agent/host-dataplane.ts agentRunDir): its dnsmasq and radvd processes name it. */
  runDir: string;
}

const bridgeOf = (networkId: string): string => `stbr-${networkId}`.slice(0, 15);
const tapOf = (portId: string): string => `tap${portId.slice(0, 11)}`;

/** nft table names the cloud's agent uses (see src/network/dataplane/linux/names.ts filterTables). */
export function nftTables(prefix: string): string[] {
  const base = `stratus${prefix.replace(/[^a-z0-9]/gi, '_')}`;
  return [`bridge ${base}_ports`, `inet ${base}_filter`];
}

async function namespaces(): Promise<string[]> {
  const r = await run('ip', ['-j', 'netns', 'list']);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Array<{ name: string }>).map((n) => n.name) : [];
}

async function links(): Promise<string[]> {
  const r = await run('ip', ['-j', 'link', 'show']);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Array<{ ifname: string }>).map((l) => l.ifname) : [];
}

/**
 * Devices an agent of this cloud made in the host's namespace: each carries its agent's
 * tag (src/network/dataplane/linux/names.ts ownerTag, "stratus <prefix>network-agent-<host>"),
 * which finds bridges and taps of networks and ports whose ids the test never saw.
 */
async function taggedLinks(prefix: string): Promise<string[]> {
  if (!prefix) return [];
  const r = await run('ip', ['-j', 'link', 'show']);
  const all = r.stdout.trim() ? (JSON.parse(r.stdout) as Array<{ ifname: string; ifalias?: string }>) : [];
  return all.filter((l) => l.ifalias?.startsWith(`stratus ${prefix}`)).map((l) => l.ifname);
}

/** dnsmasq and radvd processes started for this cloud (their command line names its run dir). */
function daemonPids(runDir: string): Array<{ pid: number; name: string }> {
  const out: Array<{ pid: number; name: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const name = cmd[0]?.split('/').pop() ?? '';
      if ((name === 'dnsmasq' || name === 'radvd') && cmd.some((a) => a.includes(runDir))) out.push({ pid: Number(entry), name });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Everything of the footprint still on the host, one description per thing. */
export async function leftovers(f: Footprint): Promise<string[]> {
  const found: string[] = [];
  const ns = await namespaces();
  for (const n of ns) if ((f.prefix && n.startsWith(f.prefix)) || f.vmNamespaces.includes(n)) found.push(`namespace ${n}`);
  const ls = await links();
  for (const id of f.networkIds) if (ls.includes(bridgeOf(id))) found.push(`bridge ${bridgeOf(id)}`);
  for (const id of f.portIds) if (ls.includes(tapOf(id))) found.push(`device ${tapOf(id)}`);
  // The fake hosts' underlay bridge and veths carry the prefix in their names.
  for (const l of ls) if (f.prefix && l.startsWith('stul') && l.includes(f.prefix)) found.push(`device ${l}`);
  for (const l of await taggedLinks(f.prefix)) if (!found.includes(`bridge ${l}`) && !found.includes(`device ${l}`)) found.push(`device ${l}`);
  for (const t of nftTables(f.prefix)) {
    const [family, name] = t.split(' ');
    if ((await run('nft', ['list', 'table', family!, name!])).code === 0) found.push(`nft table ${t}`);
  }
  for (const d of daemonPids(f.runDir)) found.push(`${d.name} pid ${d.pid}`);
  if (existsSync(f.runDir)) found.push(`directory ${f.runDir}`);
  return found;
}

/** Removes whatever of the footprint remains (after a failure); returns what it removed. */
export async function sweep(f: Footprint): Promise<string[]> {
  const found = await leftovers(f);
  for (const { pid } of daemonPids(f.runDir)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  for (const n of await namespaces()) if ((f.prefix && n.startsWith(f.prefix)) || f.vmNamespaces.includes(n)) await run('ip', ['netns', 'del', n]);
  for (const id of f.networkIds) await run('ip', ['link', 'del', 'dev', bridgeOf(id)]);
  for (const id of f.portIds) await run('ip', ['link', 'del', 'dev', tapOf(id)]);
  for (const l of await links()) if (f.prefix && l.startsWith('stul') && l.includes(f.prefix)) await run('ip', ['link', 'del', 'dev', l]);
  for (const l of await taggedLinks(f.prefix)) await run('ip', ['link', 'del', 'dev', l]);
  for (const t of nftTables(f.prefix)) await run('nft', ['delete', 'table', ...t.split(' ')]);
  rmSync(f.runDir, { recursive: true, force: true });
  return found;
}
