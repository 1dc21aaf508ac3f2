import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInstanceId } from '../../compute/contract/metadata-signature.js';
import { MetadataAgent, type AddressQuery } from './metadata-agent.js';

const SECRET = 'shared-secret';
const INSTANCE = '5f0c1a2e-0000-4000-8000-000000000001';
const PROJECT = 'p-demo';
const NETWORK = 'net-1';
const ROUTER = 'router-1';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A metadata service that answers with what it was asked, and remembers it. */
function fakeMetadata(seen: Seen[]): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      const bad = req.headers['x-instance-id-signature'] !== signInstanceId(SECRET, String(req.headers['x-instance-id']));
      res.writeHead(bad ? 403 : 200, { 'content-type': 'application/json', 'x-fake': 'yes' });
      res.end(JSON.stringify({ uuid: req.headers['x-instance-id'], url: req.url }));
    });
  });
}

/** One request over the agent's unix socket, as a namespace proxy makes it. */
function viaSocket(socketPath: string, opts: { method?: string; path: string; headers: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = request({ socketPath, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('MetadataAgent', () => {
  const seen: Seen[] = [];
  const asked: AddressQuery[] = [];
  const server = fakeMetadata(seen);
  let dir = '';
  let socketPath = '';
  let agent: MetadataAgent;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stmdagent-'));
    socketPath = join(dir, 'sub', 'metadata.sock');
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    agent = new MetadataAgent({
      socketPath, metadataUrl: `http://127.0.0.1:${port}`, sharedSecret: SECRET, log: pino({ level: 'silent' }),
      resolve: async (q) => {
        asked.push(q);
        return q.ip === '10.0.0.5' ? { instanceId: INSTANCE, projectId: PROJECT } : null;
      },
    });
    await agent.start();
  });

  afterAll(async () => {
    await agent?.close();
    await new Promise((r) => server.close(r));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('get: signs the request as the instance holding the address and streams the answer back', async () => {
    const res = await viaSocket(socketPath, {
      path: '/openstack/latest/meta_data.json?x=1',
      headers: { 'x-forwarded-for': '10.0.0.5', 'x-neutron-network-id': NETWORK, 'x-instance-id': 'forged', 'x-tenant-id': 'forged' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-fake']).toBe('yes');
    expect(JSON.parse(res.body)).toEqual({ uuid: INSTANCE, url: '/openstack/latest/meta_data.json?x=1' });
    expect(asked.at(-1)).toEqual({ networkId: NETWORK, ip: '10.0.0.5' });
    const h = seen.at(-1)!.headers;
    expect(h).toMatchObject({
      'x-instance-id': INSTANCE, 'x-instance-id-signature': signInstanceId(SECRET, INSTANCE), 'x-tenant-id': PROJECT, 'x-forwarded-for': '10.0.0.5',
    });
    expect(h['x-neutron-network-id']).toBeUndefined();
  });

  it('get: a router proxy names the router, and the lookup goes by router', async () => {
    const res = await viaSocket(socketPath, { path: '/latest/meta-data/', headers: { 'x-forwarded-for': '10.0.0.5', 'x-neutron-router-id': ROUTER } });
    expect(res.status).toBe(200);
    expect(asked.at(-1)).toEqual({ routerId: ROUTER, ip: '10.0.0.5' });
  });

  it('get: an address no instance holds is a 404 and never reaches the metadata service', async () => {
    const before = seen.length;
    const res = await viaSocket(socketPath, { path: '/openstack', headers: { 'x-forwarded-for': '10.0.0.99', 'x-neutron-network-id': NETWORK } });
    expect(res.status).toBe(404);
    expect(res.body).toBe('Not Found\n');
    expect(seen.length).toBe(before);
  });

  it('get: a request without the proxy headers is a 400', async () => {
    expect((await viaSocket(socketPath, { path: '/openstack', headers: { 'x-forwarded-for': '10.0.0.5' } })).status).toBe(400);
    expect((await viaSocket(socketPath, { path: '/openstack', headers: { 'x-neutron-network-id': NETWORK } })).status).toBe(400);
  });

  it('post: the body passes through (the password endpoint)', async () => {
    const res = await viaSocket(socketPath, {
      method: 'POST', path: '/openstack/2013-04-04/password', body: 'secret-password',
      headers: { 'x-forwarded-for': '10.0.0.5', 'x-neutron-network-id': NETWORK, 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/openstack/2013-04-04/password', body: 'secret-password' });
    expect(seen.at(-1)!.headers['content-type']).toBe('text/plain');
  });

  it('other methods are refused with 405', async () => {
    const res = await viaSocket(socketPath, { method: 'DELETE', path: '/openstack', headers: { 'x-forwarded-for': '10.0.0.5', 'x-neutron-network-id': NETWORK } });
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('GET, POST');
  });

  it('start: the socket is private to root; a stale socket file is replaced; close removes it', async () => {
    expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
    const other = new MetadataAgent({ socketPath: join(dir, 'stale.sock'), metadataUrl: 'http://127.0.0.1:1', sharedSecret: SECRET, log: pino({ level: 'silent' }), resolve: async () => null });
    await writeFile(join(dir, 'stale.sock'), 'left over');
    await other.start();
    expect((await stat(join(dir, 'stale.sock'))).isSocket()).toBe(true);
    await other.close();
    await expect(stat(join(dir, 'stale.sock'))).rejects.toThrow();
  });

  it('get: an unreachable metadata service is a 502', async () => {
    const other = new MetadataAgent({
      socketPath: join(dir, 'down.sock'), metadataUrl: 'http://127.0.0.1:1', sharedSecret: SECRET, log: pino({ level: 'silent' }),
      resolve: async () => ({ instanceId: INSTANCE, projectId: PROJECT }),
    });
    await other.start();
    try {
      const res = await viaSocket(join(dir, 'down.sock'), { path: '/openstack', headers: { 'x-forwarded-for': '10.0.0.5', 'x-neutron-network-id': NETWORK } });
      expect(res.status).toBe(502);
    } finally {
      await other.close();
    }
  });
});
