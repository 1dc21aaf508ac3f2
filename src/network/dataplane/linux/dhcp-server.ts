import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../../../core/log.js';
import type { DhcpServer } from '../driver.js';
import { DaemonQueue, findDaemon, readText, sameArgs, stopAllOf, stopDaemon, type DaemonIdentity } from './daemons.js';
import { dnsmasqArgs, dnsmasqFiles, dnsmasqHosts, dnsmasqOpts } from './dnsmasq-config.js';
import { runCommand } from './exec.js';
import { dhcpInterfaceName, dhcpNamespace } from './names.js';

/** Neutron's isolated-metadata address, answered inside the DHCP namespace. */
const METADATA_CIDR = '169.254.169.254/32';

/** Network ids become paths and namespace names: nothing but UUID characters. */
const checkId = (networkId: string): string => {
  if (!/^[0-9A-Za-z][0-9A-Za-z-]*$/.test(networkId)) throw new Error(`invalid network id for a DHCP server: ${JSON.stringify(networkId)}`);
  return networkId;
};

/** Replaces a file in one step, so dnsmasq reloading at any moment reads either version whole. */
async function replaceFile(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, path);
}

/** This state directory's dnsmasq (a zombie or another program is not). */
const dnsmasqOf = (dir: string): DaemonIdentity => {
  const pidFile = dnsmasqFiles(dir).pid;
  return { pidFile, matches: ([prog, ...args]) => !!prog && basename(prog) === 'dnsmasq' && args.includes(`--pid-file=${pidFile}`) };
};

/**
 * Lease lines (`expiry mac ip host client-id`) that no host line backs any more. Such a
 * lease would keep dnsmasq from giving its address to the port that holds it now
 * ("not using configured address ... because it is leased to ...") until it expires.
 * IPv6 lease lines (IAID, not MAC) are left alone.
 */
function staleLeases(leases: string, hosts: string): { stale: string[]; kept: string } {
  const backed = new Set<string>();
  for (const line of hosts.split('\n')) {
    const f = line.split(',');
    const mac = f[0];
    const ip = f[f.length - 1];
    if (mac && ip && f.length >= 3) backed.add(`${mac.toLowerCase()} ${ip}`);
  }
  const stale: string[] = [];
  const kept: string[] = [];
  for (const line of leases.split('\n')) {
    if (!line) continue;
    const [, mac, ip] = line.split(' ');
    const v4 = mac && ip && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac) && /^\d+\.\d+\.\d+\.\d+$/.test(ip);
    if (v4 && !backed.has(`${mac.toLowerCase()} ${ip}`)) stale.push(line);
    else kept.push(line);
  }
  return { stale, kept: kept.map((l) => `${l}\n`).join('') };
}

/** Whether a stale lease holds an address that a host line now gives to another MAC. */
function blocksAnAddress(stale: string[], hosts: string): boolean {
  const configured = new Set(hosts.split('\n').map((l) => l.split(',').pop()).filter((ip): ip is string => !!ip));
  return stale.some((line) => configured.has(line.split(' ')[2] ?? ''));
}

export interface DnsmasqServersOptions {
  /** The agent's state directory; servers live in `<stateDir>/dhcp/<networkId>/`. */
  stateDir: string;
  /** The agent's namespace prefix (see names.ts). */
  namespacePrefix: string;
  log: Logger;
}

/**
 * One dnsmasq per network, each in the network's DHCP namespace, after Neutron's
 * DHCP agent. The processes outlive the agent: a restarted agent finds them through
 * their pid files and reloads them instead of starting a second one. A process is only
 * ever signalled when /proc shows it is dnsmasq running for that network's state
 * directory. The namespace and its interface (the DHCP port's veth end, with the
 * port's addresses) are the L2 side's; this class adds only the metadata address.
 */
export class DnsmasqServers {
  private readonly root: string;
  private readonly queue = new DaemonQueue('DHCP servers');
  private rootChecked = false;

  constructor(private readonly opts: DnsmasqServersOptions) {
    this.root = join(opts.stateDir, 'dhcp');
  }

  /**
   * Makes the server of `server.networkId` serve exactly `server`: writes its hosts
   * and options files, then starts dnsmasq when none runs, reloads it (SIGHUP) when
   * only those files changed, restarts it when its command line changed or a
   * left-over lease blocks an address. A network with nothing to serve (no IPv4 or
   * DHCPv6 subnet) gets its server removed. Pre: the namespace and its interface
   * exist. Idempotent; does nothing when nothing changed.
   */
  sync(server: DhcpServer): Promise<void> {
    return this.queue.run(checkId(server.networkId), () => this.doSync(server));
  }

  /** Stops the network's dnsmasq (SIGTERM, SIGKILL after 2 s) and deletes its state directory. Idempotent. */
  remove(networkId: string): Promise<void> {
    return this.queue.run(checkId(networkId), () => this.doRemove(networkId));
  }

  /** Networks whose dnsmasq runs, found from the state directories (so including servers an earlier agent started). */
  async running(): Promise<string[]> {
    const ids: string[] = [];
    for (const id of await this.networkDirs()) {
      if (await findDaemon(dnsmasqOf(this.dirOf(id)))) ids.push(id);
    }
    return ids.sort();
  }

  /** Reconcile: removes every server this agent's state directory knows that is not in `networkIds`. */
  async removeAllExcept(networkIds: Iterable<string>): Promise<void> {
    const keep = new Set(networkIds);
    for (const id of await this.networkDirs()) {
      if (!keep.has(id)) await this.remove(id);
    }
  }

  /** Stops tracking; the dnsmasqs keep serving (an agent restart must not drop DHCP). Waits for operations under way. */
  close(): Promise<void> {
    return this.queue.close();
  }

  private dirOf(networkId: string): string {
    return join(this.root, networkId);
  }

  private async networkDirs(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && /^[0-9A-Za-z][0-9A-Za-z-]*$/.test(e.name)).map((e) => e.name);
  }

  private async doSync(server: DhcpServer): Promise<void> {
    const { networkId } = server;
    const dir = this.dirOf(networkId);
    const ifname = dhcpInterfaceName(server.port.portId);
    const argv = dnsmasqArgs({ interfaceName: ifname, net: server, dir });
    if (argv.length === 0) return this.doRemove(networkId);
    const netns = dhcpNamespace(this.opts.namespacePrefix, networkId);
    await this.prepareDir(dir);
    await runCommand('ip', ['-n', netns, 'addr', 'replace', METADATA_CIDR, 'dev', ifname]);

    const files = dnsmasqFiles(dir);
    const serverIps = new Map(server.port.fixedIps.map((ip) => [ip.subnetId, ip.ipAddress]));
    const hosts = dnsmasqHosts(server);
    const opts = dnsmasqOpts(server, serverIps);
    const changed = (await readText(files.hosts)) !== hosts || (await readText(files.opts)) !== opts;
    if (changed) {
      await replaceFile(files.hosts, hosts);
      await replaceFile(files.opts, opts);
    }
    const { stale } = staleLeases((await readText(files.leases)) ?? '', hosts);

    const proc = await findDaemon(dnsmasqOf(dir));
    if (proc && sameArgs(proc.args, argv) && !blocksAnAddress(stale, hosts)) {
      if (!changed) return;
      process.kill(proc.pid, 'SIGHUP');
      this.opts.log.debug({ networkId, pid: proc.pid }, 'dnsmasq reloaded');
      return;
    }
    if (proc) {
      this.opts.log.info({ networkId, pid: proc.pid }, 'dnsmasq restarting');
      await stopDaemon(proc.pid, dnsmasqOf(dir));
    }
    await this.start(networkId, netns, dir, argv, hosts);
  }

  private async start(networkId: string, netns: string, dir: string, argv: string[], hosts: string): Promise<void> {
    const files = dnsmasqFiles(dir);
    // A fresh process starts from the leases the hosts file still backs (Neutron rewrites the file on spawn).
    const leases = await readText(files.leases);
    if (leases !== undefined) await replaceFile(files.leases, staleLeases(leases, hosts).kept);
    await rm(files.pid, { force: true });
    // dnsmasq daemonizes: this returns once it serves (or with its error), the pid file written.
    await runCommand('dnsmasq', argv, { netns });
    const proc = await findDaemon(dnsmasqOf(dir));
    if (!proc) throw new Error(`dnsmasq for network ${networkId} did not stay up; see ${files.log}`);
    this.opts.log.info({ networkId, pid: proc.pid }, 'dnsmasq started');
  }

  private async doRemove(networkId: string): Promise<void> {
    const dir = this.dirOf(networkId);
    for (const pid of await stopAllOf(dnsmasqOf(dir))) this.opts.log.info({ networkId, pid }, 'dnsmasq stopped');
    await rm(dir, { recursive: true, force: true });
  }

  /**
   * dnsmasq drops to `nobody` and re-reads its hosts and options files as that user,
   * so every directory above them must be searchable by others; otherwise a reload
   * would silently serve nothing. Checked once; our own directories are made 0755.
   */
  private async prepareDir(dir: string): Promise<void> {
    if (!this.rootChecked) {
      await mkdir(this.root, { recursive: true, mode: 0o755 });
      for (let d = this.root; ; d = dirname(d)) {
        if (((await stat(d)).mode & 0o001) === 0) {
          throw new Error(`DHCP state directory ${this.root} is not readable by dnsmasq (running as nobody): ${d} lacks o+x`);
        }
        if (dirname(d) === d) break;
      }
      this.rootChecked = true;
    }
    await mkdir(dir, { recursive: true, mode: 0o755 });
  }
}
