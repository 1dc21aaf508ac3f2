import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { identityFixture, type IdentityFixture } from '../test-support.js';
import { call, tokenWorks, type Json } from './resource-test-support.js';

describe('users', () => {
  let f: IdentityFixture;
  let admin: string;
  const api = (method: string, url: string, body?: unknown) => call(f, admin, method, url, body);
  const create = async (user: Json): Promise<Json> => {
    const res = await api('POST', '/v3/users', { user });
    expect(res.status).toBe(201);
    return res.json['user'] as Json;
  };
  const login = async (userId: string, password: string): Promise<number> => (await f.app.inject({
    method: 'POST', url: '/v3/auth/tokens',
    payload: { auth: { identity: { methods: ['password'], password: { user: { id: userId, password } } } } },
  })).statusCode;

  beforeEach(async () => {
    f = await identityFixture({ manualClock: true, compliance: { uniqueLastPasswordCount: 2 } });
    admin = await f.adminToken();
  });
  afterEach(async () => f.close());

  it('create: extras flat, no password in the view, show and list agree', async () => {
    const u = await create({ name: 'ann', password: 'pw-1', email: 'ann@example.com', description: 'd', enabled: false });
    expect(u).toMatchObject({ name: 'ann', domain_id: 'default', enabled: false, email: 'ann@example.com', description: 'd', options: {}, password_expires_at: null });
    expect(u).not.toHaveProperty('password');
    expect(u).not.toHaveProperty('default_project_id');
    expect((await api('GET', `/v3/users/${u['id']}`)).json['user']).toEqual(u);
    expect((await api('GET', '/v3/users?name=ann')).json['users']).toEqual([u]);
    expect((await api('GET', '/v3/users?enabled=false')).json['users'].map((x: Json) => x['id'])).toContain(u['id']);
    expect((await api('GET', '/v3/users?name__icontains=AN')).json['users'].map((x: Json) => x['id'])).toEqual([u['id']]);
  });

  it('create: unknown domain 404, duplicate 409, bad option 400, domain as default project 400', async () => {
    expect((await api('POST', '/v3/users', { user: { name: 'x', domain_id: 'nope' } })).status).toBe(404);
    await create({ name: 'dup' });
    expect((await api('POST', '/v3/users', { user: { name: 'dup' } })).status).toBe(409);
    expect((await api('POST', '/v3/users', { user: { name: 'y', options: { bogus: true } } })).status).toBe(400);
    expect((await api('POST', '/v3/users', { user: { name: 'z', default_project_id: 'default' } })).status).toBe(400);
    expect((await api('POST', '/v3/users', { user: { name: '' } })).status).toBe(400);
  });

  it('update: merges extras and options, rejects domain change, disabling revokes tokens', async () => {
    const u = await create({ name: 'bo', password: 'pw', email: 'a@x', options: { ignore_password_expiry: true } });
    const tokenRes = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: { auth: { identity: { methods: ['password'], password: { user: { id: u['id'], password: 'pw' } } } } } });
    const token = tokenRes.headers['x-subject-token'] as string;
    expect(await tokenWorks(f, token)).toBe(true);
    const upd = await api('PATCH', `/v3/users/${u['id']}`, { user: { project_id: 'p1', email: 'b@x', enabled: false, options: { ignore_password_expiry: null, lock_password: true } } });
    expect(upd.status).toBe(200);
    expect(upd.json['user']).toMatchObject({ email: 'b@x', project_id: 'p1', enabled: false, options: { lock_password: true } });
    expect((await api('PATCH', `/v3/users/${u['id']}`, { user: { domain_id: 'other' } })).status).toBe(400);
    await api('PATCH', `/v3/users/${u['id']}`, { user: { enabled: true } });
    expect(await tokenWorks(f, token)).toBe(false);
  });

  it('self-service password change: checks the original, history, and revokes tokens', async () => {
    const u = await create({ name: 'cy', password: 'old-pw' });
    const tokenRes = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: { auth: { identity: { methods: ['password'], password: { user: { id: u['id'], password: 'old-pw' } } } } } });
    const token = tokenRes.headers['x-subject-token'] as string;
    const change = (original: string, password: string) => call(f, token, 'POST', `/v3/users/${u['id']}/password`, { user: { original_password: original, password } });
    expect((await change('wrong', 'new-pw')).status).toBe(401);
    expect((await change('old-pw', 'old-pw')).status).toBe(400);
    expect((await change('old-pw', 'new-pw')).status).toBe(204);
    (f.clock as ManualClock).advance(1500);
    expect(await tokenWorks(f, token)).toBe(false);
    expect(await login(u['id'], 'old-pw')).toBe(401);
    expect(await login(u['id'], 'new-pw')).toBe(201);
    // unique_last_password_count = 2: the current and the previous password are refused.
    expect((await call(f, undefined, 'POST', `/v3/users/${u['id']}/password`, { user: { original_password: 'new-pw', password: 'old-pw' } })).status).toBe(400);
    expect((await call(f, undefined, 'POST', `/v3/users/${u['id']}/password`, { user: { original_password: 'new-pw', password: 'third' } })).status).toBe(204);
  });

  it('admin password reset: no history check, old password stops working', async () => {
    const u = await create({ name: 'di', password: 'first' });
    expect((await api('PATCH', `/v3/users/${u['id']}`, { user: { password: 'second' } })).status).toBe(200);
    expect((await api('PATCH', `/v3/users/${u['id']}`, { user: { password: 'second' } })).status).toBe(200);
    expect(await login(u['id'], 'first')).toBe(401);
    (f.clock as ManualClock).advance(1500);
    expect(await login(u['id'], 'second')).toBe(201);
  });

  it('delete: removes passwords, memberships, grants and credentials', async () => {
    const u = await create({ name: 'ed', password: 'pw' });
    const g = (await api('POST', '/v3/groups', { group: { name: 'g' } })).json['group'] as Json;
    await api('PUT', `/v3/groups/${g['id']}/users/${u['id']}`);
    await f.svc.db.insertInto('assignment').values({ type: 'UserProject', actor_id: u['id'], target_id: 'x', role_id: 'r', inherited: 0 }).execute();
    const project = (await api('GET', '/v3/projects?name=demo')).json['projects'][0] as Json;
    expect((await api('POST', `/v3/users/${u['id']}/credentials/OS-EC2`, { tenant_id: project['id'] })).status).toBe(201);
    expect((await api('DELETE', `/v3/users/${u['id']}`)).status).toBe(204);
    expect((await api('GET', `/v3/users/${u['id']}`)).status).toBe(404);
    expect((await api('DELETE', `/v3/users/${u['id']}`)).status).toBe(404);
    for (const table of ['password', 'user_group', 'credential'] as const) {
      expect(await f.svc.db.selectFrom(table).selectAll().where('user_id', '=', u['id']).execute()).toEqual([]);
    }
    expect(await f.svc.db.selectFrom('assignment').selectAll().where('actor_id', '=', u['id']).execute()).toEqual([]);
  });

  it('password_expires_at filter and view', async () => {
    await f.close();
    f = await identityFixture({ manualClock: true, compliance: { passwordExpiresDays: 10 } });
    admin = await f.adminToken();
    const u = await create({ name: 'fa', password: 'pw' });
    expect(u['password_expires_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const later = new Date(f.clock.now().getTime() + 20 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const ids = async (q: string) => ((await api('GET', `/v3/users?${q}`)).json['users'] as Json[]).map((x) => x['id']);
    expect(await ids(`password_expires_at=lt:${later}`)).toEqual([u['id']]);
    expect(await ids(`password_expires_at=gt:${later}`)).toEqual([]);
    expect((await api('GET', '/v3/users?password_expires_at=xx:2020-01-01T00:00:00Z')).status).toBe(400);
  });

  it('policy: a member reads itself but not other users', async () => {
    const demo = await f.tokenFor('demo', 'demo-secret', 'demo');
    const demoId = (await api('GET', '/v3/users?name=demo')).json['users'][0]['id'] as string;
    const adminId = (await api('GET', '/v3/users?name=admin')).json['users'][0]['id'] as string;
    expect((await call(f, demo, 'GET', `/v3/users/${demoId}`)).status).toBe(200);
    expect((await call(f, demo, 'GET', `/v3/users/${adminId}`)).status).toBe(403);
    expect((await call(f, demo, 'GET', '/v3/users')).status).toBe(403);
    expect((await call(f, demo, 'GET', `/v3/users/${demoId}/projects`)).json['projects'].map((p: Json) => p['name'])).toEqual(['demo']);
  });
});
