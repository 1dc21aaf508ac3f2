import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityFixture, type IdentityFixture } from '../test-support.js';
import { call, type Json } from './resource-test-support.js';

describe('groups', () => {
  let f: IdentityFixture;
  let admin: string;
  const api = (method: string, url: string, body?: unknown) => call(f, admin, method, url, body);

  beforeEach(async () => {
    f = await identityFixture();
    admin = await f.adminToken();
  });
  afterEach(async () => f.close());

  it('create/update/show: partial update keeps the other fields', async () => {
    const res = await api('POST', '/v3/groups', { group: { name: 'ops', description: 'd1' } });
    expect(res.status).toBe(201);
    const g = res.json['group'] as Json;
    expect(g).toMatchObject({ name: 'ops', description: 'd1', domain_id: 'default' });
    const upd = await api('PATCH', `/v3/groups/${g['id']}`, { group: { name: 'ops2' } });
    expect(upd.json['group']).toMatchObject({ name: 'ops2', description: 'd1', domain_id: 'default' });
    expect((await api('GET', `/v3/groups/${g['id']}`)).json['group']).toEqual(upd.json['group']);
    expect((await api('GET', '/v3/groups?name=ops2')).json['groups']).toEqual([upd.json['group']]);
    expect((await api('POST', '/v3/groups', { group: { name: 'ops2' } })).status).toBe(409);
    expect((await api('POST', '/v3/groups', { group: { name: 'x', domain_id: 'nope' } })).status).toBe(404);
  });

  it('membership: add, check, list both ways, remove', async () => {
    const g = (await api('POST', '/v3/groups', { group: { name: 'team' } })).json['group'] as Json;
    const u = (await api('POST', '/v3/users', { user: { name: 'member1', password: 'pw', email: 'm@x' } })).json['user'] as Json;
    const path = `/v3/groups/${g['id']}/users/${u['id']}`;
    expect((await api('GET', path)).status).toBe(404);
    expect((await api('PUT', path)).status).toBe(204);
    expect((await api('PUT', path)).status).toBe(204);
    expect((await f.app.inject({ method: 'HEAD', url: path, headers: { 'x-auth-token': admin } })).statusCode).toBe(204);
    expect((await api('GET', `/v3/groups/${g['id']}/users`)).json['users']).toEqual([u]);
    expect((await api('GET', `/v3/users/${u['id']}/groups`)).json['groups']).toEqual([{ ...g, membership_expires_at: null }]);
    expect((await api('PUT', `/v3/groups/${g['id']}/users/nope`)).status).toBe(404);
    expect((await api('DELETE', path)).status).toBe(204);
    expect((await api('DELETE', path)).status).toBe(404);
    expect((await api('GET', `/v3/groups/${g['id']}/users`)).json['users']).toEqual([]);
  });

  it('delete: removes memberships and grants; group-granted tokens stop working', async () => {
    const g = (await api('POST', '/v3/groups', { group: { name: 'granted' } })).json['group'] as Json;
    const demoId = (await api('GET', '/v3/users?name=demo')).json['users'][0]['id'] as string;
    const p = (await api('POST', '/v3/projects', { project: { name: 'gp' } })).json['project'] as Json;
    const member = (await f.svc.db.selectFrom('role').select('id').where('name', '=', 'member').executeTakeFirstOrThrow()).id;
    await f.svc.db.insertInto('assignment').values({ type: 'GroupProject', actor_id: g['id'], target_id: p['id'], role_id: member, inherited: 0 }).execute();
    await api('PUT', `/v3/groups/${g['id']}/users/${demoId}`);
    const token = await f.tokenFor('demo', 'demo-secret', 'gp');
    expect((await call(f, token, 'GET', `/v3/users/${demoId}`)).status).toBe(200);
    expect((await api('DELETE', `/v3/groups/${g['id']}`)).status).toBe(204);
    expect((await call(f, token, 'GET', `/v3/users/${demoId}`)).status).toBe(401);
    expect(await f.svc.db.selectFrom('assignment').selectAll().where('actor_id', '=', g['id']).execute()).toEqual([]);
    expect(await f.svc.db.selectFrom('user_group').selectAll().where('group_id', '=', g['id']).execute()).toEqual([]);
    expect((await api('GET', `/v3/groups/${g['id']}`)).status).toBe(404);
  });
});
