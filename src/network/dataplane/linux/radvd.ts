import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { formatCidr, parseCidr } from '../../../core/net/address.js';
import type { Logger } from '../../../core/log.js';
import type { RouterWiring } from '../driver.js';
import { DaemonQueue, findDaemon, readText, sameArgs, stopAllOf, stopDaemon, type DaemonIdentity } from './daemons.js';
import { ipJson, runCommand } from './exec.js';
import { routerInterfaceName } from './names.js';

/**
 * Router advertisements, after Neutron's L3 agent (neutron/agent/linux/ra.py): one radvd
 * per router namespace, announcing on every interface that has an IPv6 subnet with an
 * ipv6_ra_mode the prefixes guests configure themselves from (SLAAC), the flags that
 * send them to DHCPv6 (managed, other-config), the link MTU, and the router as their
 * default gateway.
 */

/** Neutron's defaults ([DEFAULT] min_rtr_adv_interval / max_rtr_adv_interval), in seconds. */
export const MIN_RTR_ADV_INTERVAL = 30;
export const MAX_RTR_ADV_INTERVAL = 100;
/** The smallest MTU an IPv6 link may have (RFC 8200); a smaller one is not announced. */
const IPV6_MIN_MTU = 1280;

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

/**
 * The radvd configuration of a router: an `interface` block per qr- interface with at
 * least one IPv6 subnet whose ipv6_ra_mode is set, each such subnet a prefix that is
 * on-link, and autonomous (guests form their address from it) for slaac and
 * dhcpv6-stateless only. '' when no interface advertises: the router needs no radvd.
 * A cidr that does not parse is left out (the text is a config file).
 */
export function radvdConfig(router: RouterWiring): string {
  const blocks: string[] = [];
  for (const rp of router.interfaces) {
    const ifname = routerInterfaceName(rp.port.portId);
    if (!IFNAME.test(ifname)) continue;
    const subnets = rp.subnets.flatMap((s) => {
      const cidr = parseCidr(s.cidr);
      return cidr?.version === 6 && s.ipv6RaMode !== null ? [{ prefix: formatCidr(cidr), mode: s.ipv6RaMode }] : [];
    });
    if (subnets.length === 0) continue;
    const modes = new Set(subnets.map((s) => s.mode));
    blocks.push(
      `interface ${ifname}`,
      '{',
      '   AdvSendAdvert on;',
      `   MinRtrAdvInterval ${MIN_RTR_ADV_INTERVAL};`,
      `   MaxRtrAdvInterval ${MAX_RTR_ADV_INTERVAL};`,
      ...(Number.isInteger(rp.port.mtu) && rp.port.mtu >= IPV6_MIN_MTU ? [`   AdvLinkMTU ${rp.port.mtu};`] : []),
      ...(modes.has('dhcpv6-stateful') ? ['   AdvManagedFlag on;'] : []),
      ...(modes.has('dhcpv6-stateless') ? ['   AdvOtherConfigFlag on;'] : []),
      ...subnets.flatMap((s) => [
        `   prefix ${s.prefix}`,
        '   {',
        '        AdvOnLink on;',
        `        AdvAutonomous ${s.mode === 'dhcpv6-stateful' ? 'off' : 'on'};`,
        '   };',
      ]),
      '};',
    );
  }
  return blocks.length ? `${blocks.join('\n')}\n` : '';
}

export interface RouterAdvertisersOptions {
  /** The agent's run directory; configs, pid files and logs go to `<runDir>/radvd/`. */
  runDir: string;
  log: Logger;
}

const START_WAIT_MS = 5_000;
const DAD_WAIT_MS = 3_000;
const POLL_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Router ids become file names: nothing but UUID characters. */
const checkId = (routerId: string): string => {
  if (!/^[0-9A-Za-z][0-9A-Za-z-]*$/.test(routerId)) throw new Error(`invalid router id for radvd: ${JSON.stringify(routerId)}`);
  return routerId;
};

/**
 * One radvd per router namespace. Like the DHCP servers they outlive the agent: a
 * restarted agent finds them by pid file (checked against /proc) and reloads them
 * (SIGHUP) instead of starting a second. radvd runs as root (Neutron's radvd_user
 * unset): it keeps a privilege-separated child of its own for the interface settings.
 */
export class RouterAdvertisers {
  private readonly dir: string;
  private readonly queue = new DaemonQueue('router advertisements');

  constructor(private readonly opts: RouterAdvertisersOptions) {
    this.dir = join(opts.runDir, 'radvd');
  }

  /**
   * Makes the router's radvd announce exactly `config` (radvdConfig) in `netns`: starts
   * it when none runs, reloads it when the config changed, stops it when `config` is ''.
   * Pre: the namespace and its interfaces exist with their addresses. Idempotent.
   */
  sync(routerId: string, netns: string, config: string): Promise<void> {
    return this.queue.run(checkId(routerId), () => (config ? this.doSync(routerId, netns, config) : this.doRemove(routerId)));
  }

  /** Stops the router's radvd (SIGTERM, SIGKILL after 2 s) and deletes its files. Idempotent. */
  remove(routerId: string): Promise<void> {
    return this.queue.run(checkId(routerId), () => this.doRemove(routerId));
  }

  /** Routers whose radvd runs, found from the pid files (so including ones an earlier agent started). */
  async running(): Promise<string[]> {
    const out: string[] = [];
    for (const id of await this.known()) if (await findDaemon(this.identity(id))) out.push(id);
    return out.sort();
  }

  /** Reconcile: removes every radvd this run directory knows whose router is not in `routerIds`. */
  async removeAllExcept(routerIds: Iterable<string>): Promise<void> {
    const keep = new Set(routerIds);
    for (const id of await this.known()) if (!keep.has(id)) await this.remove(id);
  }

  /** Stops tracking; the radvds keep advertising (an agent restart must not age out guests' routes). */
  close(): Promise<void> {
    return this.queue.close();
  }

  private files(routerId: string): { conf: string; pid: string; log: string } {
    const base = join(this.dir, routerId);
    return { conf: `${base}.conf`, pid: `${base}.pid`, log: `${base}.log` };
  }

  private identity(routerId: string): DaemonIdentity {
    const pidFile = this.files(routerId).pid;
    return { pidFile, matches: ([prog, ...args]) => !!prog && basename(prog) === 'radvd' && args.some((a, i) => a === '-p' && args[i + 1] === pidFile) };
  }

  private async known(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => []);
    const ids = names.filter((n) => /\.(conf|pid)$/.test(n)).map((n) => n.replace(/\.(conf|pid)$/, ''));
    return [...new Set(ids)].filter((id) => /^[0-9A-Za-z][0-9A-Za-z-]*$/.test(id));
  }

  private async doSync(routerId: string, netns: string, config: string): Promise<void> {
    const files = this.files(routerId);
    const identity = this.identity(routerId);
    const args = ['-C', files.conf, '-p', files.pid, '-m', 'logfile', '-l', files.log];
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    const changed = (await readText(files.conf)) !== config;
    if (changed) {
      // Replaced in one step: radvd reloading at any moment reads either version whole.
      const tmp = `${files.conf}.${process.pid}.tmp`;
      await writeFile(tmp, config, { mode: 0o644 });
      await rename(tmp, files.conf);
    }
    const proc = await findDaemon(identity);
    if (proc && sameArgs(proc.args, args)) {
      if (!changed) return;
      await addressesSettled(netns);
      process.kill(proc.pid, 'SIGHUP');
      this.opts.log.debug({ routerId, pid: proc.pid }, 'radvd reloaded');
      return;
    }
    if (proc) {
      this.opts.log.info({ routerId, pid: proc.pid }, 'radvd restarting');
      await stopDaemon(proc.pid, identity);
    }
    await addressesSettled(netns);
    await rm(files.pid, { force: true });
    // radvd daemonizes at once and writes its pid file a moment later.
    await runCommand('radvd', args, { netns });
    for (let waited = 0; waited < START_WAIT_MS; waited += POLL_MS) {
      const started = await findDaemon(identity);
      if (started && Number((await readText(files.pid))?.trim()) === started.pid) {
        this.opts.log.info({ routerId, pid: started.pid }, 'radvd started');
        return;
      }
      await sleep(POLL_MS);
    }
    const said = ((await readText(files.log)) ?? '').trim().split('\n').slice(-3).join('; ');
    throw new Error(`radvd for router ${routerId} did not start: ${said || 'no output'}`);
  }

  private async doRemove(routerId: string): Promise<void> {
    for (const pid of await stopAllOf(this.identity(routerId))) this.opts.log.info({ routerId, pid }, 'radvd stopped');
    const files = this.files(routerId);
    for (const f of [files.conf, files.pid, files.log]) await rm(f, { force: true });
  }
}

/**
 * Waits (up to 3 s) until no address in the namespace is still tentative. An interface
 * just made has a link-local address in duplicate address detection for about a
 * second; radvd cannot send from it then, and its next try may come only after its
 * initial interval (up to 16 s), so a guest would wait that long for its address.
 * After 3 s it goes ahead anyway (an address whose DAD failed stays tentative).
 */
async function addressesSettled(netns: string): Promise<void> {
  for (let waited = 0; waited < DAD_WAIT_MS; waited += POLL_MS) {
    const rows = await ipJson<{ addr_info?: unknown[] }>(['-6', 'addr', 'show', 'tentative'], netns);
    if (rows.every((r) => (r.addr_info ?? []).length === 0)) return;
    await sleep(POLL_MS);
  }
}
