import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachingTokenValidator } from '../../core/auth/index.js';
import { ADMIN_PASSWORD, DEMO_PASSWORD, identityFixture, type IdentityFixture } from '../test-support.js';
import { RemoteTokenValidator } from './remote-validator.js';

describe('RemoteTokenValidator', () => {
  let f: IdentityFixture;
  let url: string;
  beforeAll(async () => {
    f = await identityFixture();
    url = await f.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => { await f.close(); });

  it('turns a valid token into the caller context and refuses revoked ones', async () => {
    const validator = new RemoteTokenValidator(url, { username: 'admin', password: ADMIN_PASSWORD, projectName: 'admin' });
    const demo = await f.tokenFor('demo', DEMO_PASSWORD, 'demo');
    const ctx = await validator.validate(demo, 'req-1');
    expect(ctx.userName).toBe('demo');
    expect(ctx.projectName).toBe('demo');
    expect([...ctx.roles].sort()).toEqual(['member', 'reader']);
    const admin = await f.adminToken();
    await f.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': demo } });
    await expect(validator.validate(demo, 'req-2')).rejects.toMatchObject({ status: 401 });
  });

  it('serves repeated validations from the cache', async () => {
    let calls = 0;
    const inner = { validate: async (token: string, requestId: string) => { calls++; return new RemoteTokenValidator(url, { username: 'admin', password: ADMIN_PASSWORD, projectName: 'admin' }).validate(token, requestId); } };
    const cached = new CachingTokenValidator(inner, 30_000);
    const demo = await f.tokenFor('demo', DEMO_PASSWORD, 'demo');
    await cached.validate(demo, 'a');
    const again = await cached.validate(demo, 'b');
    expect(calls).toBe(1);
    expect(again.requestId).toBe('b');
  });
});
