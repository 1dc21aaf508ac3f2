import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../core/log.js';
import { DaemonQueue, findDaemon, readText, sameArgs, stopAllOf, stopDaemon, type DaemonIdentity } from '../dataplane/linux/daemons.js';

/** Where the proxies answer for which: a network (qdhcp- namespace) or a router (qrouter- namespace). */
export type ProxyOrigin = { networkId: string } | { routerId: string };

export interface MetadataProxiesOptions {
  /** The agent's run directory; pid files and logs go to `<runDir>/metadata-proxy/`. */
  runDir: string;
  log: Logger;
  /** The compiled ns-proxy.js; by default the one beside this module (both compile to dist/src/network/metadata-proxy/). */
  program?: string;
}

const PROGRAM = 'ns-proxy.js';
const START_WAIT_MS = 5_000;
const POLL_MS = 25;

/** Namespace names become file names: what `ip netns` accepts, no path characters. */
const checkNamespace = (ns: string): string => {
  if (!/^[0-9A-Za-z][0-9A-Za-z_.-]*$/.test(ns)) throw new Error(`invalid namespace for a metadata proxy: ${JSON.stringify(ns)}`);
  return ns;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One metadata proxy (ns-proxy.js) per namespace, after Neutron's haproxy-per-namespace.
 * The proxies are detached daemons that outlive the agent: a new instance adopts the
 * ones running (found by pid file, checked against /proc) and never starts a second.
 * A process is only signalled when /proc shows it is ns-proxy with this namespace's
 * pid file among its arguments.
 */
export class MetadataProxies {
  private readonly dir: string;
  private readonly program: string;
  private readonly queue = new DaemonQueue('metadata proxies');

  constructor(private readonly opts: MetadataProxiesOptions) {
    this.dir = join(opts.runDir, 'metadata-proxy');
    this.program = opts.program ?? fileURLToPath(new URL(`./${PROGRAM}`, import.meta.url));
  }

  /**
   * Makes a proxy run in `namespace` listening on `listen` (`host:port`, e.g.
   * 169.254.169.254:80, or 0.0.0.0:9697 behind a router's redirect) and passing to
   * `socketPath`. Starts one when none runs, restarts it when its arguments changed,
   * leaves it alone otherwise. Resolves once the proxy listens. Pre: the namespace
   * exists and, for a specific address, holds it. Idempotent.
   */
  ensure(namespace: string, origin: ProxyOrigin, listen: string, socketPath: string): Promise<void> {
    return this.queue.run(checkNamespace(namespace), () => this.doEnsure(namespace, origin, listen, socketPath));
  }

  /** Stops the namespace's proxy (SIGTERM, SIGKILL after 2 s) and deletes its files. Idempotent. */
  remove(namespace: string): Promise<void> {
    return this.queue.run(checkNamespace(namespace), () => this.doRemove(namespace));
  }

  /** Namespaces whose proxy runs, found from the pid files (so including proxies an earlier agent started). */
  async running(): Promise<string[]> {
    const out: string[] = [];
    for (const ns of await this.known()) if (await findDaemon(this.identity(ns))) out.push(ns);
    return out.sort();
  }

  /** Reconcile: removes every proxy this run directory knows whose namespace is not in `namespaces`. */
  async removeAllExcept(namespaces: Iterable<string>): Promise<void> {
    const keep = new Set(namespaces);
    for (const ns of await this.known()) if (!keep.has(ns)) await this.remove(ns);
  }

  /** Stops tracking; the proxies keep serving (an agent restart must not cut guests off). Waits for operations under way. */
  close(): Promise<void> {
    return this.queue.close();
  }

  private pidFile(namespace: string): string {
    return join(this.dir, `${namespace}.pid`);
  }

  private identity(namespace: string): DaemonIdentity {
    const pidFile = this.pidFile(namespace);
    return {
      pidFile,
      matches: (argv) => basename(argv[1] ?? '') === PROGRAM && argv.some((a, i) => a === '--pid-file' && argv[i + 1] === pidFile),
    };
  }

  private async known(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => []);
    return names.filter((n) => n.endsWith('.pid')).map((n) => n.slice(0, -'.pid'.length));
  }

  private async doEnsure(namespace: string, origin: ProxyOrigin, listen: string, socketPath: string): Promise<void> {
    const identity = this.identity(namespace);
    const originArgs = 'networkId' in origin ? ['--network-id', origin.networkId] : ['--router-id', origin.routerId];
    const args = [this.program, '--listen', listen, '--socket', socketPath, ...originArgs, '--pid-file', identity.pidFile];
    const proc = await findDaemon(identity);
    if (proc && sameArgs(proc.args, args)) return;
    if (proc) {
      this.opts.log.info({ namespace, pid: proc.pid }, 'metadata proxy restarting');
      await stopDaemon(proc.pid, identity);
    }
    await this.start(namespace, args, identity);
  }

  private async start(namespace: string, args: string[], identity: DaemonIdentity): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    await rm(identity.pidFile, { force: true });
    const logFile = join(this.dir, `${namespace}.log`);
    const out = openSync(logFile, 'a', 0o644);
    let exited: string | undefined;
    try {
      // `ip netns exec` execs node in place: the child's PID is the proxy's.
      const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, ...args], { detached: true, stdio: ['ignore', out, out] });
      child.on('error', (err) => { exited = err.message; });
      child.on('exit', (code, signal) => { exited = `exited with ${code ?? signal}`; });
      child.unref();
      for (let waited = 0; waited < START_WAIT_MS; waited += POLL_MS) {
        await sleep(POLL_MS);
        if (exited !== undefined) break;
        // The proxy writes its pid file once it listens.
        if (Number((await readText(identity.pidFile))?.trim()) === child.pid) {
          this.opts.log.info({ namespace, pid: child.pid }, 'metadata proxy started');
          return;
        }
      }
      if (exited === undefined) await stopDaemon(child.pid ?? 0, identity);
    } finally {
      closeSync(out);
    }
    const said = ((await readText(logFile)) ?? '').trim().split('\n').slice(-3).join('; ');
    throw new Error(`metadata proxy in ${namespace} did not start (${exited ?? 'not listening after 5 s'}): ${said || 'no output'}`);
  }

  private async doRemove(namespace: string): Promise<void> {
    const identity = this.identity(namespace);
    for (const pid of await stopAllOf(identity)) this.opts.log.info({ namespace, pid }, 'metadata proxy stopped');
    await rm(identity.pidFile, { force: true });
    await rm(join(this.dir, `${namespace}.log`), { force: true });
  }
}
