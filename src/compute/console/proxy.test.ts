import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bootBasics, bootServer, computeCaller, computeFixture, makeFlavor, type ComputeFixture } from '../test-support.js';
import { dialTcp, type ConsoleTarget } from './dial.js';
import { startConsoleProxy, type ConsoleProxy } from './index.js';

let f: ComputeFixture;
let proxy: ConsoleProxy;
let vnc: Server;
let serverId: string;
const call = computeCaller(() => f);
/** What the guest's VNC server saw: each connection's socket and the bytes it received. */
const guests: Array<{ socket: Socket; received: Buffer[] }> = [];
const dialed: ConsoleTarget[] = [];
let vncReachable = true;

beforeAll(async () => {
  f = await computeFixture({ hosts: ['host-1'] });
  const boot = await bootBasics(f, '10.12.0.0/24');
  const flavorId = await makeFlavor(call, 'console.small', { ram: 256, vcpus: 1, disk: 1 });
  serverId = (await bootServer(call, { ...boot, flavorId }, 'screen')).id;
  // A fake VNC server: greets as RFB 3.8 and keeps what the browser sends.
  vnc = createServer((socket) => {
    const guest = { socket, received: [] as Buffer[] };
    guests.push(guest);
    socket.on('data', (b) => guest.received.push(b));
    socket.on('error', () => undefined);
    socket.write('RFB 003.008\n');
  });
  vnc.listen(0, '127.0.0.1');
  await once(vnc, 'listening');
  const vncPort = (vnc.address() as AddressInfo).port;
  // The fake driver says 127.0.0.1:5900; the fake VNC server stands in there.
  proxy = await startConsoleProxy(f.svc, {
    host: '127.0.0.1', port: 0,
    dial: async (target) => {
      dialed.push(target);
      return dialTcp({ host: '127.0.0.1', port: vncReachable ? vncPort : 1 });
    },
  });
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  vnc?.close();
  await f?.close();
});

/** A fresh console URL's token, through the compute API as `openstack console url show` asks. */
async function consoleToken(): Promise<string> {
  const res = await call('demo', 'POST', `/v2.1/servers/${serverId}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'novnc' } }, '2.6');
  expect(res.statusCode, res.body).toBe(200);
  const path = new URL(res.json().remote_console.url).searchParams.get('path')!;
  return new URLSearchParams(path.replace(/^\?/, '')).get('token')!;
}

type Opened = { ws: WebSocket; first: Buffer; binary: boolean } | { status: number };

/** Opens the proxy's WebSocket as noVNC does (subprotocol binary); answers the first frame, or the refusal's status. */
function openConsole(path: string, headers: Record<string, string> = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}${path}`, ['binary'], { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once('message', (data, binary) => resolve({ ws, first: data as Buffer, binary }));
    ws.once('error', (err) => { if (!/Unexpected server response/.test(err.message)) reject(err); });
  });
}

const origin = (): Record<string, string> => ({ Origin: `http://127.0.0.1:${proxy.port}` });

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('console proxy', () => {
  it('a valid token joins the browser to the guest console: binary frames both ways, subprotocol binary, the guest closing closes the WebSocket', async () => {
    const token = await consoleToken();
    const before = guests.length;
    const opened = await openConsole(`/?token=${token}`, origin());
    if (!('ws' in opened)) throw new Error(`refused with ${opened.status}`);
    expect(dialed.at(-1)).toEqual({ host: '127.0.0.1', port: 5900 });
    expect(opened.ws.protocol).toBe('binary');
    expect(opened.binary).toBe(true);
    expect(opened.first.toString()).toBe('RFB 003.008\n');
    opened.ws.send(Buffer.from('RFB 003.008\n'));
    const guest = guests[before]!;
    await until(() => Buffer.concat(guest.received).toString() === 'RFB 003.008\n');
    guest.socket.write(Buffer.from([1, 2]));
    const [more] = await once(opened.ws, 'message');
    expect([...(more as Buffer)]).toEqual([1, 2]);
    guest.socket.end();
    const [code] = await once(opened.ws, 'close');
    expect(code).toBe(1000);
  });

  it('the browser closing ends the connection to the guest console', async () => {
    const before = guests.length;
    const opened = await openConsole(`/?token=${await consoleToken()}`);
    if (!('ws' in opened)) throw new Error(`refused with ${opened.status}`);
    const guest = guests[before]!;
    opened.ws.close();
    await once(guest.socket, 'close');
  });

  it('a token opens one connection: the second use of the same URL is refused', async () => {
    const token = await consoleToken();
    const first = await openConsole(`/?token=${token}`, origin());
    expect(first).toHaveProperty('ws');
    expect(await openConsole(`/?token=${token}`, origin())).toEqual({ status: 401 });
    if ('ws' in first) first.ws.close();
    // An admin can no longer look it up either.
    expect((await call('admin', 'GET', `/v2.1/os-console-auth-tokens/${token}`, undefined, '2.31')).statusCode).toBe(404);
  });

  it('unknown, missing and expired tokens are refused', async () => {
    expect(await openConsole('/?token=not-a-token')).toEqual({ status: 401 });
    expect(await openConsole('/websockify')).toEqual({ status: 401 });
    const token = await consoleToken();
    await f.svc.db.updateTable('console_auth_tokens').set({ expires: new Date(Date.now() - 1000).toISOString() }).execute();
    expect(await openConsole(`/?token=${token}`)).toEqual({ status: 401 });
  });

  it('the token cookie works as Nova\'s does', async () => {
    const opened = await openConsole('/websockify', { Cookie: `lang=en; token=${await consoleToken()}` });
    expect(opened).toHaveProperty('ws');
    if ('ws' in opened) opened.ws.close();
  });

  it('an Origin of another site is refused and does not use the token up', async () => {
    const token = await consoleToken();
    expect(await openConsole(`/?token=${token}`, { Origin: 'http://evil.example' })).toEqual({ status: 403 });
    expect(await openConsole(`/?token=${token}`, { Origin: `https://127.0.0.1:${proxy.port}` })).toEqual({ status: 403 });
    const opened = await openConsole(`/?token=${token}`, origin());
    expect(opened).toHaveProperty('ws');
    if ('ws' in opened) opened.ws.close();
  });

  it('a console that does not answer: 502, and the token stays for another try', async () => {
    const token = await consoleToken();
    vncReachable = false;
    try {
      expect(await openConsole(`/?token=${token}`)).toEqual({ status: 502 });
    } finally {
      vncReachable = true;
    }
    const opened = await openConsole(`/?token=${token}`);
    expect(opened).toHaveProperty('ws');
    if ('ws' in opened) opened.ws.close();
  });

  it('serves the console page under Nova\'s and noVNC\'s names, and noVNC\'s modules from the installed package; nothing else', async () => {
    const base = `http://127.0.0.1:${proxy.port}`;
    for (const page of ['vnc_auto.html', 'vnc_lite.html', 'vnc.html']) {
      const res = await fetch(`${base}/${page}?path=%3Ftoken%3Dx`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain("import RFB from './core/rfb.js'");
    }
    const rfb = await fetch(`${base}/core/rfb.js`);
    expect(rfb.status).toBe(200);
    expect(rfb.headers.get('content-type')).toContain('text/javascript');
    expect(await rfb.text()).toContain('export default class RFB');
    expect((await fetch(`${base}/vendor/pako/lib/zlib/inflate.js`)).status).toBe(200);
    expect((await fetch(`${base}/package.json`)).status).toBe(404);
    expect((await fetch(`${base}/core/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${base}/core/`)).status).toBe(404);
    expect((await fetch(`${base}/vnc.html`, { method: 'POST' })).status).toBe(405);
  });
});
