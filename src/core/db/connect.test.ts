import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropServiceDatabase, openServiceDatabase, ping } from './connect.js';

describe('openServiceDatabase: name override', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-connect-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sqlite: the service name is the default file; an override names another, which drop removes', async () => {
    const byService = await openServiceDatabase(`sqlite://${dir}`, 'identity');
    expect(byService.location).toBe(join(dir, 'identity.sqlite'));
    await byService.close();
    const own = await openServiceDatabase(`sqlite://${dir}`, 'identity', { name: 'identity_ab12' });
    await ping(own.db);
    expect(own.location).toBe(join(dir, 'identity_ab12.sqlite'));
    await own.close();
    await dropServiceDatabase(`sqlite://${dir}`, 'identity', { name: 'identity_ab12' });
    expect(existsSync(join(dir, 'identity_ab12.sqlite'))).toBe(false);
    expect(existsSync(join(dir, 'identity.sqlite'))).toBe(true);
  });

  it('rejects an override that is not a plain lower-case identifier (it is spliced into DDL)', async () => {
    await expect(openServiceDatabase(`sqlite://${dir}`, 'identity', { name: 'x"; drop schema public' })).rejects.toThrow(/invalid database schema name/);
    await expect(dropServiceDatabase('postgresql://u@127.0.0.1:1/db', 'identity', { name: 'Identity' })).rejects.toThrow(/invalid database schema name/);
  });
});
