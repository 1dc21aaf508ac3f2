import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInstanceId } from '../../compute/contract/metadata-signature.js';
import { MetadataAgent } from './metadata-agent.js';
import { MetadataProxies } from './proxy-processes.js';
import { isRootWith, quietly, sh } from '../dataplane/linux/test-support.js';
import { compileNsProxy } from './test-support.js';

/** Needs root (namespaces, veths) and curl and ip on the host. */
const isRootWithTools = isRootWith(['curl', 'ip']);

const NS = 'stmdtest-ns';
const VM = 'stmdtest-vm';
const NETWORK_ID = 'c0ffee00-0000-4000-8000-00000000md01';
const ROUTER_ID = 'c0ffee00-0000-4000-8000-00000000md02';
const INSTANCE = 'c0ffee00-0000-4000-8000-00000000md03';
const PROJECT = 'p-demo';
const SECRET = 'test-shared-secret';
const log = pino({ level: 'silent' });

/** curl from the "VM" namespace: status code and body. */
function curlFromVm(path: string, extra: string[] = []): Promise<{ status: string; body: string }> {
  const args = ['netns', 'exec', VM, 'curl', '-s', '-m', '10', '-w', '\n%{http_code}', ...extra, `http://169.254.169.254${path}`];
  return new Promise((resolve) => execFile('ip', args, { timeout: 20_000 }, (_err, stdout) => {
    const at = stdout.lastIndexOf('\n');
    resolve({ body: stdout.slice(0, at), status: stdout.slice(at + 1) });
  }));
}

/** PIDs of ns-proxy processes using a pid file (zombies have no cmdline and do not count). */
async function proxyPids(pidFile: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv[1]?.endsWith('/ns-proxy.js') && argv.includes(pidFile)) pids.push(Number(entry));
  }
  return pids;
}

describe.skipIf(!isRootWithTools)('metadata proxy in a namespace (root, curl)', () => {
  const seen: IncomingHttpHeaders[] = [];
  const metadata = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ uuid: req.headers['x-instance-id'], path: req.url }));
  });
  let runDir = '';
  let socketPath = '';
  let pidFile = '';
  let build: { dir: string; program: string } | undefined;
  let agent: MetadataAgent | undefined;
  let proxies: MetadataProxies | undefined;

  beforeAll(async () => {
    build = await compileNsProxy();
    runDir = await mkdtemp(join(tmpdir(), 'stmdtest-'));
    await chmod(runDir, 0o755);
    socketPath = join(runDir, 'metadata.sock');
    pidFile = join(runDir, 'metadata-proxy', `${NS}.pid`);
    sh('ip', ['netns', 'add', NS]);
    sh('ip', ['netns', 'add', VM]);
    sh('ip', ['-n', NS, 'link', 'add', 'md0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', VM]);
    sh('ip', ['-n', NS, 'addr', 'add', '10.66.0.1/24', 'dev', 'md0']);
    sh('ip', ['-n', NS, 'addr', 'add', '169.254.169.254/32', 'dev', 'md0']);
    sh('ip', ['-n', NS, 'link', 'set', 'md0', 'up']);
    sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', VM, 'addr', 'add', '10.66.0.5/24', 'dev', 'eth0']);
    sh('ip', ['-n', VM, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', VM, 'route', 'add', '169.254.169.254/32', 'via', '10.66.0.1']);
    await new Promise<void>((r) => metadata.listen(0, '127.0.0.1', r));
    agent = new MetadataAgent({
      socketPath, metadataUrl: `http://127.0.0.1:${(metadata.address() as AddressInfo).port}`, sharedSecret: SECRET, log,
      resolve: async ({ networkId, routerId, ip }) =>
        ip === '10.66.0.5' && (networkId === NETWORK_ID || routerId === ROUTER_ID) ? { instanceId: INSTANCE, projectId: PROJECT } : null,
    });
    await agent.start();
    proxies = new MetadataProxies({ runDir, log, program: build.program });
  }, 60_000);

  afterAll(async () => {
    await proxies?.remove(NS).catch(() => undefined);
    // Whatever a failed test left: only proxies of this test's pid file, by PID.
    if (pidFile) for (const pid of await proxyPids(pidFile)) quietly('kill', ['-KILL', String(pid)]);
    quietly('ip', ['netns', 'del', NS]);
    quietly('ip', ['netns', 'del', VM]);
    await agent?.close().catch(() => undefined);
    await new Promise((r) => metadata.close(r));
    if (runDir) await rm(runDir, { recursive: true, force: true });
    if (build) await rm(build.dir, { recursive: true, force: true });
  });

  it('ensure: a guest reaches the metadata service at 169.254.169.254, signed as its instance', async () => {
    await proxies!.ensure(NS, { networkId: NETWORK_ID }, '169.254.169.254:80', socketPath);
    expect(await proxyPids(pidFile)).toHaveLength(1);
    const res = await curlFromVm('/openstack/latest/meta_data.json', ['-H', 'X-Forwarded-For: 10.66.0.9', '-H', 'X-Instance-ID: forged']);
    expect(res.status).toBe('200');
    expect(JSON.parse(res.body)).toEqual({ uuid: INSTANCE, path: '/openstack/latest/meta_data.json' });
    expect(seen.at(-1)).toMatchObject({
      'x-instance-id': INSTANCE, 'x-instance-id-signature': signInstanceId(SECRET, INSTANCE), 'x-tenant-id': PROJECT, 'x-forwarded-for': '10.66.0.5',
    });
    expect(await proxies!.running()).toEqual([NS]);
  }, 30_000);

  it('ensure: a second instance adopts the running proxy (same PID), and the same ensure twice does nothing', async () => {
    const [pid] = await proxyPids(pidFile);
    await proxies!.close();
    proxies = new MetadataProxies({ runDir, log, program: build!.program });
    expect(await proxies.running()).toEqual([NS]);
    await proxies.ensure(NS, { networkId: NETWORK_ID }, '169.254.169.254:80', socketPath);
    await proxies.ensure(NS, { networkId: NETWORK_ID }, '169.254.169.254:80', socketPath);
    expect(await proxyPids(pidFile)).toEqual([pid]);
    expect((await curlFromVm('/openstack')).status).toBe('200');
  }, 30_000);

  it('ensure: changed arguments (a router instead of a network) restart the proxy', async () => {
    const [pid] = await proxyPids(pidFile);
    await proxies!.ensure(NS, { routerId: ROUTER_ID }, '169.254.169.254:80', socketPath);
    const after = await proxyPids(pidFile);
    expect(after).toHaveLength(1);
    expect(after).not.toEqual([pid]);
    expect((await curlFromVm('/openstack')).status).toBe('200');
  }, 30_000);

  it('ensure: a proxy that cannot listen fails with its own message', async () => {
    await expect(proxies!.ensure('stmdtest-none', { networkId: NETWORK_ID }, '169.254.169.254:80', socketPath)).rejects.toThrow(/did not start/);
    await proxies!.remove('stmdtest-none');
  }, 30_000);

  it('removeAllExcept and remove: stop the proxy and delete its files; twice is fine', async () => {
    await proxies!.removeAllExcept([NS]);
    expect(await proxyPids(pidFile)).toHaveLength(1);
    await proxies!.remove(NS);
    await proxies!.remove(NS);
    expect(await proxyPids(pidFile)).toEqual([]);
    await expect(stat(pidFile)).rejects.toThrow();
    expect(await proxies!.running()).toEqual([]);
    expect((await curlFromVm('/openstack')).status).toBe('000');
  }, 30_000);
});
