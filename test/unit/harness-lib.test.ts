import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pickPortOffset } from '../lib/cloud.js';
import { cleanOsEnv, run, tail } from '../lib/proc.js';

describe('pickPortOffset', () => {
  it('picks an offset in 20000..23000 (ports below the ephemeral range) whose identity port can be bound', async () => {
    const n = await pickPortOffset();
    expect(n).toBeGreaterThanOrEqual(20000);
    expect(n).toBeLessThanOrEqual(23000);
    const srv = createServer();
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(5000 + n, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  });
});

describe('proc', () => {
  it('drops OS_* variables from a developer environment', () => {
    expect(cleanOsEnv({ OS_CLOUD: 'x', OS_PASSWORD: 'p', PATH: '/bin' })).toEqual({ PATH: '/bin' });
  });

  it('reports a missing binary instead of throwing', async () => {
    const r = await run('stratus-no-such-binary', []);
    expect(r.code).not.toBe(0);
    expect(r.spawnError).toBeDefined();
  });

  it('feeds stdin and collects stdout', async () => {
    const r = await run('cat', [], { input: 'a\nb\nc\n' });
    expect([r.code, tail(r.stdout, 2)]).toEqual([0, 'b\nc']);
  });
});
