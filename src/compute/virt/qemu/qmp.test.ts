import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { QmpClient, QmpError } from './qmp.js';

/** A QMP server as QEMU speaks it: greeting, capabilities, then one reply per command in order. */
function fakeQemu(path: string, answer: (cmd: { execute: string; arguments?: Record<string, unknown> }, sock: Socket) => unknown): Promise<Server> {
  const server = createServer((sock) => {
    sock.write(`${JSON.stringify({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 22 } }, capabilities: [] } })}\n`);
    let buffer = '';
    sock.on('data', (d) => {
      buffer += d.toString();
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const cmd = JSON.parse(buffer.slice(0, i)) as { execute: string; arguments?: Record<string, unknown> };
        buffer = buffer.slice(i + 1);
        const reply = cmd.execute === 'qmp_capabilities' ? { return: {} } : answer(cmd, sock);
        if (reply !== undefined) sock.write(`${JSON.stringify(reply)}\n`);
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

describe('QmpClient', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-test-'));
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(null)));
    rmSync(join(dir, 'qmp.sock'), { force: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('negotiates, pairs replies with commands in order, reports QEMU errors with their class', async () => {
    server = await fakeQemu(join(dir, 'qmp.sock'), (cmd) => {
      if (cmd.execute === 'query-status') return { return: { status: 'running', running: true } };
      return { error: { class: 'CommandNotFound', desc: `The command ${cmd.execute} has not been found` } };
    });
    const qmp = await QmpClient.connect(join(dir, 'qmp.sock'));
    expect(qmp.version).toEqual({ major: 7, minor: 2, micro: 22 });
    const [status, bad] = await Promise.allSettled([qmp.execute('query-status'), qmp.execute('no-such')]);
    expect(status).toMatchObject({ status: 'fulfilled', value: { status: 'running' } });
    expect(bad.status === 'rejected' && bad.reason instanceof QmpError && bad.reason.errorClass === 'CommandNotFound').toBe(true);
    qmp.close();
  });

  it('delivers events to waiters, and fails pending commands and waiters when QEMU goes away', async () => {
    server = await fakeQemu(join(dir, 'qmp.sock'), (cmd, sock) => {
      if (cmd.execute === 'stop') {
        sock.write(`${JSON.stringify({ event: 'STOP', data: {} })}\n`);
        return { return: {} };
      }
      if (cmd.execute === 'quit') sock.destroy();
      return undefined;
    });
    const qmp = await QmpClient.connect(join(dir, 'qmp.sock'));
    const stopped = qmp.waitEvent('STOP', 2000);
    await qmp.execute('stop');
    expect((await stopped).event).toBe('STOP');
    const never = qmp.waitEvent('RESUME', 5000);
    const closed = new Promise((r) => qmp.once('close', r));
    await expect(qmp.execute('quit')).rejects.toThrow(/closed/);
    await expect(never).rejects.toThrow(/closed/);
    await closed;
    expect(qmp.isClosed).toBe(true);
  });
});
