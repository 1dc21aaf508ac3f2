import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityFixture, type IdentityFixture } from '../test-support.js';
import { call, tokenWorks, type Json } from './resource-test-support.js';

describe('domains', () => {
  let f: IdentityFixture;
  let admin: string;
  const api = (method: string, url: string, body?: unknown) => call(f, admin, method, url, body);

  beforeEach(async () => {
    f = await identityFixture();
    admin = await f.adminToken();
  });
  afterEach(async () => f.close());

  it('create/show/list/update: views agree, description defaults to ""', async () => {
    const res = await api('POST', '/v3/domains', { domain: { name: 'acme', color: 'red' } });
    expect(res.status).toBe(201);
    const d = res.json['domain'] as Json;
    expect(d).toMatchObject({ name: 'acme', description: '', enabled: true, tags: [], options: {}, color: 'red' });
    expect(d['links'].self).toMatch(new RegExp(`/v3/domains/${d['id']}$`));
    expect(d).not.toHaveProperty('domain_id');
    expect((await api('GET', `/v3/domains/${d['id']}`)).json['domain']).toEqual(d);
    expect((await api('GET', '/v3/domains?name=acme')).json['domains']).toEqual([d]);
    const upd = await api('PATCH', `/v3/domains/${d['id']}`, { domain: { name: 'acme2', description: 'x', enabled: false } });
    expect(upd.json['domain']).toMatchObject({ name: 'acme2', description: 'x', enabled: false });
    expect((await api('GET', '/v3/domains?enabled=false')).json['domains'].map((x: Json) => x['id'])).toEqual([d['id']]);
  });

  it('create: validation 400 and duplicate 409', async () => {
    expect((await api('POST', '/v3/domains', { domain: { name: '' } })).status).toBe(400);
    expect((await api('POST', '/v3/domains', { domain: { name: 'a'.repeat(65) } })).status).toBe(400);
    expect((await api('POST', '/v3/domains', { domain: { name: 'dup' } })).status).toBe(201);
    const again = await api('POST', '/v3/domains', { domain: { name: 'dup' } });
    expect(again.status).toBe(409);
    expect(again.json['error']).toMatchObject({ code: 409, title: 'Conflict' });
  });

  it('delete: refused while enabled, 404 when unknown', async () => {
    const d = (await api('POST', '/v3/domains', { domain: { name: 'live' } })).json['domain'] as Json;
    const res = await api('DELETE', `/v3/domains/${d['id']}`);
    expect(res.status).toBe(403);
    expect(res.json['error'].message).toBe('Cannot delete a domain that is enabled, please disable it first.');
    expect((await api('DELETE', '/v3/domains/nope')).status).toBe(404);
  });

  it('delete: cascades to projects, users, groups and their grants', async () => {
    const d = (await api('POST', '/v3/domains', { domain: { name: 'doomed' } })).json['domain'] as Json;
    const p = (await api('POST', '/v3/projects', { project: { name: 'p', domain_id: d['id'] } })).json['project'] as Json;
    const child = (await api('POST', '/v3/projects', { project: { name: 'c', parent_id: p['id'] } })).json['project'] as Json;
    expect(child['domain_id']).toBe(d['id']);
    const u = (await api('POST', '/v3/users', { user: { name: 'u', domain_id: d['id'], password: 'pw' } })).json['user'] as Json;
    const g = (await api('POST', '/v3/groups', { group: { name: 'g', domain_id: d['id'] } })).json['group'] as Json;
    await f.svc.db.insertInto('assignment').values({ type: 'UserProject', actor_id: u['id'], target_id: p['id'], role_id: 'r', inherited: 0 }).execute();
    expect((await api('PATCH', `/v3/domains/${d['id']}`, { domain: { enabled: false } })).status).toBe(200);
    expect((await api('DELETE', `/v3/domains/${d['id']}`)).status).toBe(204);
    for (const url of [`/v3/domains/${d['id']}`, `/v3/projects/${p['id']}`, `/v3/projects/${child['id']}`, `/v3/users/${u['id']}`, `/v3/groups/${g['id']}`]) {
      expect((await api('GET', url)).status).toBe(404);
    }
    expect(await f.svc.db.selectFrom('assignment').selectAll().where('actor_id', '=', u['id']).execute()).toEqual([]);
    expect(await f.svc.db.selectFrom('password').selectAll().where('user_id', '=', u['id']).execute()).toEqual([]);
  });

  it('disable: revokes tokens of the domain\'s users', async () => {
    const d = (await api('POST', '/v3/domains', { domain: { name: 'corp' } })).json['domain'] as Json;
    const p = (await api('POST', '/v3/projects', { project: { name: 'p', domain_id: d['id'] } })).json['project'] as Json;
    const u = (await api('POST', '/v3/users', { user: { name: 'bob', domain_id: d['id'], password: 'pw' } })).json['user'] as Json;
    const member = (await f.svc.db.selectFrom('role').select('id').where('name', '=', 'member').executeTakeFirstOrThrow()).id;
    await f.svc.db.insertInto('assignment').values({ type: 'UserProject', actor_id: u['id'], target_id: p['id'], role_id: member, inherited: 0 }).execute();
    const res = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: { auth: { identity: { methods: ['password'], password: { user: { id: u['id'], password: 'pw' } } }, scope: { project: { id: p['id'] } } } } });
    const token = res.headers['x-subject-token'] as string;
    expect(await tokenWorks(f, token)).toBe(true);
    await api('PATCH', `/v3/domains/${d['id']}`, { domain: { enabled: false } });
    await api('PATCH', `/v3/domains/${d['id']}`, { domain: { enabled: true } });
    expect(await tokenWorks(f, token)).toBe(false);
  });

  it('policy: a member may show its own domain but not list or create domains', async () => {
    const demo = await f.tokenFor('demo', 'demo-secret', 'demo');
    expect((await call(f, demo, 'GET', '/v3/domains/default')).status).toBe(200);
    expect((await call(f, demo, 'GET', '/v3/domains')).status).toBe(403);
    expect((await call(f, demo, 'POST', '/v3/domains', { domain: { name: 'x' } })).status).toBe(403);
  });
});
