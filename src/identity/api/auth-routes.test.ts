import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, DEMO_PASSWORD, identityFixture, type IdentityFixture } from '../test-support.js';

const passwordAuth = (name: string, password: string, scope?: unknown): unknown => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name, domain: { name: 'Default' }, password } } },
    ...(scope ? { scope } : {}),
  },
});

describe('POST /v3/auth/tokens', () => {
  let f: IdentityFixture;
  beforeEach(async () => { f = await identityFixture(); });
  afterEach(async () => { await f.close(); });

  it('issues a project-scoped token with roles, catalog and X-Subject-Token', async () => {
    const res = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordAuth('admin', ADMIN_PASSWORD, { project: { name: 'admin', domain: { id: 'default' } } }) });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-subject-token']).toMatch(/^gAAAAA/);
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
    const token = res.json().token;
    expect(token.methods).toEqual(['password']);
    expect(token.project.name).toBe('admin');
    expect(token.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
    expect(token.catalog[0].type).toBe('identity');
    expect(token.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(token.audit_ids).toHaveLength(1);
  });

  it('issues system-scoped, domain-less unscoped, and default-project tokens', async () => {
    const system = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordAuth('admin', ADMIN_PASSWORD, { system: { all: true } }) });
    expect(system.statusCode).toBe(201);
    expect(system.json().token.system).toEqual({ all: true });
    const unscoped = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordAuth('admin', ADMIN_PASSWORD, 'unscoped') });
    expect(unscoped.json().token.project).toBeUndefined();
    expect(unscoped.json().token.catalog).toBeUndefined();
    const byDefault = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordAuth('demo', DEMO_PASSWORD) });
    expect(byDefault.json().token.project.name).toBe('demo');
  });

  it('answers the same 401 for a wrong password and an unknown user', async () => {
    const wrong = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordAuth('admin', 'nope') });
    const unknown = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordAuth('ghost', 'nope') });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe(401);
  });

  it('refuses a project the user has no role on with 401', async () => {
    const res = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordAuth('demo', DEMO_PASSWORD, { project: { name: 'admin', domain: { id: 'default' } } }) });
    expect(res.statusCode).toBe(401);
  });

  it('rejects malformed JSON and missing fields with 400 in Keystone form', async () => {
    const bad = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, payload: '{"auth":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.title).toBe('Bad Request');
    const missing = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: { auth: { identity: { methods: ['password'] } } } });
    expect(missing.statusCode).toBe(400);
  });

  it('rescopes an unscoped token and keeps its expiry and audit chain', async () => {
    const first = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordAuth('admin', ADMIN_PASSWORD, 'unscoped') });
    const parent = first.headers['x-subject-token'] as string;
    const res = await f.app.inject({
      method: 'POST', url: '/v3/auth/tokens',
      payload: { auth: { identity: { methods: ['token'], token: { id: parent } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } },
    });
    expect(res.statusCode).toBe(201);
    const t = res.json().token;
    expect(t.methods).toEqual(['token', 'password']);
    expect(t.expires_at).toBe(first.json().token.expires_at);
    expect(t.audit_ids[1]).toBe(first.json().token.audit_ids[0]);
  });
});

describe('token validation and revocation', () => {
  let f: IdentityFixture;
  beforeEach(async () => { f = await identityFixture(); });
  afterEach(async () => { await f.close(); });

  it('validates, checks and revokes a token', async () => {
    const admin = await f.adminToken();
    const demo = await f.tokenFor('demo', DEMO_PASSWORD, 'demo');
    const get = await f.app.inject({ method: 'GET', url: '/v3/auth/tokens?nocatalog', headers: { 'x-auth-token': admin, 'x-subject-token': demo } });
    expect(get.statusCode).toBe(200);
    expect(get.json().token.user.name).toBe('demo');
    expect(get.json().token.catalog).toBeUndefined();
    const head = await f.app.inject({ method: 'HEAD', url: '/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': demo } });
    expect(head.statusCode).toBe(200);
    const del = await f.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': demo } });
    expect(del.statusCode).toBe(204);
    const after = await f.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': demo } });
    expect(after.statusCode).toBe(404);
    const asCaller = await f.app.inject({ method: 'GET', url: '/v3/auth/catalog', headers: { 'x-auth-token': demo } });
    expect(asCaller.statusCode).toBe(401);
  });

  it('lets a user validate their own token but not another user\'s', async () => {
    const admin = await f.adminToken();
    const demo = await f.tokenFor('demo', DEMO_PASSWORD, 'demo');
    const own = await f.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': demo, 'x-subject-token': demo } });
    expect(own.statusCode).toBe(200);
    const other = await f.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': demo, 'x-subject-token': admin } });
    expect(other.statusCode).toBe(403);
  });

  it('rejects a garbage token with 401 and requires a token at all', async () => {
    const none = await f.app.inject({ method: 'GET', url: '/v3/auth/catalog' });
    expect(none.statusCode).toBe(401);
    const junk = await f.app.inject({ method: 'GET', url: '/v3/auth/catalog', headers: { 'x-auth-token': 'gAAAAABjunk' } });
    expect(junk.statusCode).toBe(401);
  });

  it('lists the projects, domains and system a token user can scope to', async () => {
    const demo = await f.tokenFor('demo', DEMO_PASSWORD, 'demo');
    const projects = await f.app.inject({ method: 'GET', url: '/v3/auth/projects', headers: { 'x-auth-token': demo } });
    expect(projects.json().projects.map((p: { name: string }) => p.name)).toEqual(['demo']);
    const admin = await f.adminToken();
    const system = await f.app.inject({ method: 'GET', url: '/v3/auth/system', headers: { 'x-auth-token': admin } });
    expect(system.json().system).toEqual([{ all: true }]);
  });
});

describe('security compliance', () => {
  it('locks an account after repeated failures and unlocks after the duration', async () => {
    const f = await identityFixture({ manualClock: true, compliance: { lockoutFailureAttempts: 2, lockoutDurationSeconds: 5 } });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordAuth('demo', 'wrong') });
        expect(r.statusCode).toBe(401);
      }
      const locked = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordAuth('demo', DEMO_PASSWORD) });
      expect(locked.statusCode).toBe(401);
      expect(locked.json().error.message).toContain('locked');
      (f.clock as unknown as { advance(ms: number): void }).advance(6000);
      const ok = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordAuth('demo', DEMO_PASSWORD) });
      expect(ok.statusCode).toBe(201);
    } finally {
      await f.close();
    }
  });
});

describe('version discovery', () => {
  it('lists v3 at / with 300 and describes it at /v3', async () => {
    const f = await identityFixture();
    try {
      const root = await f.app.inject({ method: 'GET', url: '/' });
      expect(root.statusCode).toBe(300);
      expect(root.json().versions.values[0].id).toBe('v3.14');
      const v3 = await f.app.inject({ method: 'GET', url: '/v3' });
      expect(v3.json().version.status).toBe('stable');
    } finally {
      await f.close();
    }
  });
});
