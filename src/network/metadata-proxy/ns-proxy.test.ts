import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileNsProxy } from './test-support.js';

/** The proxy run by hand on the host's loopback, in front of an echoing server on a unix socket. */
describe('ns-proxy', () => {
  let build: { dir: string; program: string };
  let dir = '';
  let upstream: Server;
  let proxy: ChildProcess | undefined;
  let port = 0;
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];

  const freePort = (): Promise<number> => new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

  function call(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
    return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async function startProxy(socket: string): Promise<ChildProcess> {
    const pidFile = join(dir, 'proxy.pid');
    await rm(pidFile, { force: true });
    const child = spawn(process.execPath, [build.program, '--listen', `127.0.0.1:${port}`, '--socket', socket, '--network-id', 'net-1', '--pid-file', pidFile],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    for (let i = 0; i < 200; i++) {
      if ((await readFile(pidFile, 'utf8').catch(() => '')).trim() === String(child.pid)) return child;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    throw new Error('ns-proxy did not write its pid file');
  }

  const exitOf = (child: ChildProcess): Promise<number | null> =>
    child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));

  beforeAll(async () => {
    build = await compileNsProxy();
    dir = await mkdtemp(join(tmpdir(), 'stmdproxy-'));
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(201, { 'x-answer': 'yes', 'content-type': 'text/plain' });
        res.end('from upstream');
      });
    });
    await new Promise<void>((r) => upstream.listen(join(dir, 'md.sock'), r));
    port = await freePort();
    proxy = await startProxy(join(dir, 'md.sock'));
  }, 60_000);

  afterAll(async () => {
    if (proxy && proxy.exitCode === null) proxy.kill('SIGKILL');
    await new Promise((r) => upstream?.close(r));
    for (const d of [dir, build?.dir]) if (d) await rm(d, { recursive: true, force: true });
  });

  it('forwards to the socket saying who asked and from which network; the guest cannot choose either', async () => {
    const res = await call('GET', '/openstack/latest/meta_data.json?a=b', { 'x-forwarded-for': '6.6.6.6', 'x-neutron-network-id': 'forged', 'x-neutron-router-id': 'forged' });
    expect(res).toMatchObject({ status: 201, body: 'from upstream' });
    expect(res.headers['x-answer']).toBe('yes');
    const got = seen.at(-1)!;
    expect(got).toMatchObject({ method: 'GET', url: '/openstack/latest/meta_data.json?a=b' });
    expect(got.headers).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-neutron-network-id': 'net-1' });
    expect(got.headers['x-neutron-router-id']).toBeUndefined();
  });

  it('passes a POST body through', async () => {
    const res = await call('POST', '/openstack/2013-04-04/password', { 'content-type': 'text/plain' }, 'p4ssw0rd');
    expect(res.status).toBe(201);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: 'p4ssw0rd' });
  });

  it('answers 502 when nothing listens on the socket', async () => {
    await exitOf((proxy!.kill('SIGTERM'), proxy!));
    proxy = await startProxy(join(dir, 'nobody.sock'));
    const res = await call('GET', '/openstack');
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/unreachable/);
  });

  it('exits with status 0 on SIGTERM', async () => {
    proxy!.kill('SIGTERM');
    expect(await exitOf(proxy!)).toBe(0);
  });
});
