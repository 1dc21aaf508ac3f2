import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityFixture, type IdentityFixture } from '../test-support.js';
import { call, tokenWorks, type Json } from './resource-test-support.js';

describe('projects', () => {
  let f: IdentityFixture;
  let admin: string;
  const api = (method: string, url: string, body?: unknown) => call(f, admin, method, url, body);
  const create = async (project: Json): Promise<Json> => {
    const res = await api('POST', '/v3/projects', { project });
    expect(res.status).toBe(201);
    return res.json['project'] as Json;
  };

  beforeEach(async () => {
    f = await identityFixture();
    admin = await f.adminToken();
  });
  afterEach(async () => f.close());

  it('create: defaults, parent is the domain, show equals list entry', async () => {
    const p = await create({ name: 'web', tags: ['a', 'c', 'b'], owner: 'ops' });
    expect(p).toMatchObject({ name: 'web', domain_id: 'default', parent_id: 'default', is_domain: false, enabled: true, description: '', owner: 'ops', options: {} });
    expect([...p['tags']].sort()).toEqual(['a', 'b', 'c']);
    const shown = (await api('GET', `/v3/projects/${p['id']}`)).json['project'] as Json;
    const listed = ((await api('GET', '/v3/projects')).json['projects'] as Json[]).find((x) => x['id'] === p['id']);
    expect(shown).toEqual(listed);
    expect({ ...shown, tags: [...shown['tags']].sort() }).toEqual({ ...p, tags: ['a', 'b', 'c'] });
  });

  it('create: validation, unknown domain/parent, duplicate name', async () => {
    expect((await api('POST', '/v3/projects', { project: { name: '' } })).status).toBe(400);
    expect((await api('POST', '/v3/projects', { project: { name: 'a'.repeat(65) } })).status).toBe(400);
    expect((await api('POST', '/v3/projects', { project: { name: 'x', domain_id: 'nope' } })).status).toBe(400);
    expect((await api('POST', '/v3/projects', { project: { name: 'x', parent_id: 'nope' } })).status).toBe(400);
    expect((await api('POST', '/v3/projects', { project: { name: 'x', tags: ['a,b'] } })).status).toBe(400);
    await create({ name: 'dup' });
    expect((await api('POST', '/v3/projects', { project: { name: 'dup' } })).status).toBe(409);
  });

  it('hierarchy: parents and subtree as ids and lists, delete refuses non-leaf', async () => {
    const a = await create({ name: 'a' });
    const b = await create({ name: 'b', parent_id: a['id'] });
    const c = await create({ name: 'c', parent_id: b['id'] });
    expect(b['domain_id']).toBe('default');
    const up = (await api('GET', `/v3/projects/${c['id']}?parents_as_ids`)).json['project'] as Json;
    expect(up['parents']).toEqual({ [b['id']]: { [a['id']]: { default: null } } });
    const down = (await api('GET', `/v3/projects/${a['id']}?subtree_as_ids`)).json['project'] as Json;
    expect(down['subtree']).toEqual({ [b['id']]: { [c['id']]: null } });
    expect((await api('GET', `/v3/projects/${a['id']}?subtree_as_ids&subtree_as_list`)).status).toBe(400);
    expect((await api('GET', `/v3/projects?parent_id=${a['id']}`)).json['projects'].map((p: Json) => p['id'])).toEqual([b['id']]);
    const del = await api('DELETE', `/v3/projects/${a['id']}`);
    expect(del.status).toBe(403);
    expect(del.json['error'].message).toContain('not a leaf');
    expect((await api('PATCH', `/v3/projects/${a['id']}`, { project: { enabled: false } })).status).toBe(403);
    expect((await api('PATCH', `/v3/projects/${b['id']}`, { project: { parent_id: 'default' } })).status).toBe(403);
    for (const p of [c, b, a]) expect((await api('DELETE', `/v3/projects/${p['id']}`)).status).toBe(204);
    expect((await api('GET', `/v3/projects/${a['id']}`)).status).toBe(404);
  });

  it('is_domain projects appear as domains and are hidden from the default list', async () => {
    const d = await create({ name: 'dp', is_domain: true });
    expect(d).toMatchObject({ is_domain: true, domain_id: null, parent_id: null });
    expect((await api('GET', '/v3/projects')).json['projects'].map((p: Json) => p['id'])).not.toContain(d['id']);
    expect((await api('GET', '/v3/projects?is_domain=true')).json['projects'].map((p: Json) => p['id'])).toContain(d['id']);
    expect((await api('GET', `/v3/domains/${d['id']}`)).status).toBe(200);
    expect((await api('PATCH', `/v3/projects/${d['id']}`, { project: { enabled: false } })).json['project'].enabled).toBe(false);
    expect((await api('DELETE', `/v3/projects/${d['id']}`)).status).toBe(204);
    expect((await api('GET', `/v3/domains/${d['id']}`)).status).toBe(404);
  });

  it('list filters: name, enabled, tags, inexact name', async () => {
    const p1 = await create({ name: 'alpha-1', enabled: false, tags: ['x', 'y'] });
    const p2 = await create({ name: 'beta-2', tags: ['y'] });
    const ids = async (q: string) => ((await api('GET', `/v3/projects?${q}`)).json['projects'] as Json[]).map((p) => p['id']);
    expect(await ids('enabled=false')).toEqual([p1['id']]);
    expect(await ids('name=beta-2')).toEqual([p2['id']]);
    expect(await ids('tags=x,y')).toEqual([p1['id']]);
    expect((await ids('tags-any=y')).sort()).toEqual([p1['id'], p2['id']].sort());
    expect(await ids('not-tags-any=x')).not.toContain(p1['id']);
    expect(await ids('name__startswith=alp')).toEqual([p1['id']]);
  });

  it('tags API: add, check, replace, delete one, delete all', async () => {
    const p = await create({ name: 't' });
    const base = `/v3/projects/${p['id']}/tags`;
    const put = await api('PUT', `${base}/blue`);
    expect(put.status).toBe(201);
    expect(put.headers['location']).toMatch(/\/tags\/blue$/);
    expect((await api('GET', `${base}/blue`)).status).toBe(204);
    expect((await api('PUT', `${base}/blue`)).status).toBe(400);
    const replaced = await api('PUT', base, { tags: ['one', 'two'] });
    expect(replaced.json['tags']).toEqual(['one', 'two']);
    expect((await api('GET', base)).json['tags']).toEqual(['one', 'two']);
    expect((await api('DELETE', `${base}/one`)).status).toBe(204);
    expect((await api('GET', `${base}/one`)).status).toBe(404);
    expect((await api('DELETE', `${base}/one`)).status).toBe(404);
    expect((await api('DELETE', base)).status).toBe(204);
    expect((await api('GET', base)).json['tags']).toEqual([]);
    expect((await api('PUT', base, { tags: ['a', 'a'] })).status).toBe(400);
  });

  it('disable and delete revoke project-scoped tokens; delete drops assignments', async () => {
    const p = await create({ name: 'scoped' });
    const member = (await f.svc.db.selectFrom('role').select('id').where('name', '=', 'member').executeTakeFirstOrThrow()).id;
    const demo = (await f.svc.db.selectFrom('user').select('id').where('name', '=', 'demo').executeTakeFirstOrThrow()).id;
    await f.svc.db.insertInto('assignment').values({ type: 'UserProject', actor_id: demo, target_id: p['id'], role_id: member, inherited: 0 }).execute();
    const token = await f.tokenFor('demo', 'demo-secret', 'scoped');
    expect(await tokenWorks(f, token)).toBe(true);
    await api('PATCH', `/v3/projects/${p['id']}`, { project: { enabled: false } });
    await api('PATCH', `/v3/projects/${p['id']}`, { project: { enabled: true } });
    expect(await tokenWorks(f, token)).toBe(false);
    const listed = (await api('GET', `/v3/users/${demo}/projects`)).json['projects'] as Json[];
    expect(listed.map((x) => x['id'])).toContain(p['id']);
    expect((await api('DELETE', `/v3/projects/${p['id']}`)).status).toBe(204);
    expect(await f.svc.db.selectFrom('assignment').selectAll().where('target_id', '=', p['id']).execute()).toEqual([]);
  });

  it('policy: a member cannot list, create or delete projects', async () => {
    const demo = await f.tokenFor('demo', 'demo-secret', 'demo');
    const p = await create({ name: 'other' });
    expect((await call(f, demo, 'GET', '/v3/projects')).status).toBe(403);
    expect((await call(f, demo, 'POST', '/v3/projects', { project: { name: 'x' } })).status).toBe(403);
    expect((await call(f, demo, 'DELETE', `/v3/projects/${p['id']}`)).status).toBe(403);
  });
});
