import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { ADMIN_PASSWORD, DEMO_PASSWORD, identityFixture, type IdentityFixture } from '../test-support.js';
import { authenticate } from './delegation-test-support.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('/v3/auth/tokens', () => {
  let f: IdentityFixture;
  beforeEach(async () => {
    f = await identityFixture({ manualClock: true });
  });
  afterEach(async () => f.close());

  const password = (name: string, pw: string): Json => ({ methods: ['password'], password: { user: { name, domain: { id: 'default' }, password: pw } } });
  const check = async (method: 'GET' | 'HEAD' | 'DELETE', subject: string, caller: string, query = ''): Promise<{ status: number; json: Json }> => {
    const res = await f.app.inject({ method, url: `/v3/auth/tokens${query}`, headers: { 'x-auth-token': caller, 'x-subject-token': subject } });
    return { status: res.statusCode, json: res.body ? (res.json() as Json) : {} };
  };

  it('rescoping keeps user and expiry, adds the token method; revoking the child leaves the parent usable', async () => {
    const unscoped = await authenticate(f, { identity: password('demo', DEMO_PASSWORD), scope: 'unscoped' });
    expect(unscoped.status).toBe(201);
    expect(unscoped.body).not.toHaveProperty('catalog');
    expect(unscoped.body).not.toHaveProperty('roles');
    (f.clock as ManualClock).advance(5000);
    const scoped = await authenticate(f, { identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } });
    expect(scoped.status).toBe(201);
    expect(scoped.body['expires_at']).toBe(unscoped.body['expires_at']);
    expect(new Set(scoped.body['methods'] as string[])).toEqual(new Set(['password', 'token']));
    expect(scoped.body['user']).toEqual(unscoped.body['user']);
    expect(scoped.body['catalog']).toBeInstanceOf(Array);
    expect((scoped.body['audit_ids'] as string[])[1]).toBe((unscoped.body['audit_ids'] as string[])[0]);

    const admin = await f.adminToken();
    expect((await check('DELETE', scoped.token, admin)).status).toBe(204);
    expect((await check('GET', scoped.token, admin)).status).toBe(404);
    const again = await authenticate(f, { identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } });
    expect(again.status).toBe(201);
  });

  it('a revoked or expired parent cannot be rescoped', async () => {
    const unscoped = await authenticate(f, { identity: password('demo', DEMO_PASSWORD), scope: 'unscoped' });
    const admin = await f.adminToken();
    expect((await check('DELETE', unscoped.token, admin)).status).toBe(204);
    const rescope = await authenticate(f, { identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } });
    // Keystone: token not found (Tempest's test_user_update_own_password asserts it).
    expect(rescope.status).toBe(404);

    const other = await authenticate(f, { identity: password('demo', DEMO_PASSWORD), scope: 'unscoped' });
    (f.clock as ManualClock).advance(3601_000);
    const late = await authenticate(f, { identity: { methods: ['token'], token: { id: other.token } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } });
    expect(late.status).toBe(404);
  });

  it('a system-scoped token cannot become project scoped', async () => {
    const system = await authenticate(f, { identity: password('admin', ADMIN_PASSWORD), scope: { system: { all: true } } });
    expect(system.status).toBe(201);
    const rescope = await authenticate(f, { identity: { methods: ['token'], token: { id: system.token } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } });
    expect(rescope.status).toBe(403);
  });

  it('validation: GET matches POST, nocatalog, HEAD, others only for admins', async () => {
    const demo = await authenticate(f, { identity: password('demo', DEMO_PASSWORD), scope: { project: { name: 'demo', domain: { id: 'default' } } } });
    const self = await check('GET', demo.token, demo.token);
    expect(self.status).toBe(200);
    expect(self.json['token']).toEqual(demo.body);
    expect((await check('GET', demo.token, demo.token, '?nocatalog')).json['token']).not.toHaveProperty('catalog');
    const head = await f.app.inject({ method: 'HEAD', url: '/v3/auth/tokens', headers: { 'x-auth-token': demo.token, 'x-subject-token': demo.token } });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');

    const admin = await f.adminToken();
    expect((await check('GET', admin, demo.token)).status).toBe(403);
    expect((await check('GET', demo.token, admin)).status).toBe(200);
    expect((await check('GET', 'garbage', admin)).status).toBe(404);
  });

  it('allow_expired: an expired token validates within the window only when asked', async () => {
    const demo = await authenticate(f, { identity: password('demo', DEMO_PASSWORD), scope: { project: { name: 'demo', domain: { id: 'default' } } } });
    const clock = f.clock as ManualClock;
    clock.advance(3601_000);
    const admin = await f.adminToken();
    expect((await check('GET', demo.token, admin)).status).toBe(404);
    expect((await check('GET', demo.token, admin, '?allow_expired=1')).status).toBe(200);
    expect((await check('HEAD', demo.token, admin, '?allow_expired=true')).status).toBe(200);
    clock.advance(48 * 3600_000);
    const admin2 = await f.adminToken();
    expect((await check('GET', demo.token, admin2, '?allow_expired=1')).status).toBe(404);
  });
});
