import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityFixture, type IdentityFixture } from '../test-support.js';
import { Api, Rows, type Json } from './assignment-test-support.js';

describe('roles and implied roles', () => {
  let f: IdentityFixture;
  let api: Api;
  let rows: Rows;

  beforeEach(async () => {
    f = await identityFixture();
    api = await new Api(f).login();
    rows = new Rows(f);
  });
  afterEach(async () => f.close());

  const createRole = async (body: Json): Promise<Json> => {
    const res = await api.call('POST', '/v3/roles', { role: body });
    expect(res.status).toBe(201);
    return res.json['role'];
  };

  it('create: global role view matches show and list exactly', async () => {
    const role = await createRole({ name: 'observer', description: 'sees things', color: 'blue' });
    expect(role).toMatchObject({ name: 'observer', description: 'sees things', domain_id: null, options: {}, color: 'blue' });
    expect(role.links.self).toMatch(new RegExp(`/v3/roles/${role.id}$`));
    expect((await api.call('GET', `/v3/roles/${role.id}`)).json['role']).toEqual(role);
    const list = (await api.call('GET', '/v3/roles')).json;
    expect(list['roles']).toContainEqual(role);
    expect(list['roles'].map((r: Json) => r.name)).toEqual(expect.arrayContaining(['admin', 'member', 'reader']));
    expect((await api.call('GET', '/v3/roles?name=observer')).json['roles']).toEqual([role]);
  });

  it('create: duplicate name in the same domain is 409, in another domain fine', async () => {
    await createRole({ name: 'dup' });
    const again = await api.call('POST', '/v3/roles', { role: { name: 'dup' } });
    expect(again.status).toBe(409);
    expect(again.json['error']).toMatchObject({ code: 409, title: 'Conflict' });
    const domainId = await rows.domain();
    const scoped = await createRole({ name: 'dup', domain_id: domainId });
    expect(scoped.domain_id).toBe(domainId);
    expect((await api.call('GET', `/v3/roles?domain_id=${domainId}`)).json['roles']).toEqual([scoped]);
    expect((await api.call('GET', '/v3/roles')).json['roles'].filter((r: Json) => r.name === 'dup')).toHaveLength(1);
  });

  it('create: validation and unknown domain', async () => {
    expect((await api.call('POST', '/v3/roles', { role: {} })).status).toBe(400);
    expect((await api.call('POST', '/v3/roles', { role: { name: 'x', options: { bogus: true } } })).status).toBe(400);
    const res = await api.call('POST', '/v3/roles', { role: { name: 'x', domain_id: 'nope' } });
    expect(res.status).toBe(404);
    expect(res.json['error'].message).toBe('Could not find domain: nope.');
  });

  it('update: renames, refuses domain change and rename clash', async () => {
    const a = await createRole({ name: 'a' });
    await createRole({ name: 'b' });
    const renamed = await api.call('PATCH', `/v3/roles/${a.id}`, { role: { name: 'a2' } });
    expect(renamed.status).toBe(200);
    expect(renamed.json['role'].name).toBe('a2');
    expect((await api.call('PATCH', `/v3/roles/${a.id}`, { role: { name: 'b' } })).status).toBe(409);
    expect((await api.call('PATCH', `/v3/roles/${a.id}`, { role: { domain_id: 'default' } })).status).toBe(400);
    expect((await api.call('PATCH', '/v3/roles/missing', { role: { name: 'z' } })).status).toBe(404);
  });

  it('immutable: refuses update and delete until the flag is cleared', async () => {
    const r = await createRole({ name: 'fixed', options: { immutable: true } });
    expect(r.options).toEqual({ immutable: true });
    expect((await api.call('PATCH', `/v3/roles/${r.id}`, { role: { name: 'other' } })).status).toBe(403);
    expect((await api.call('DELETE', `/v3/roles/${r.id}`)).status).toBe(403);
    const cleared = await api.call('PATCH', `/v3/roles/${r.id}`, { role: { options: { immutable: false } } });
    expect(cleared.status).toBe(200);
    expect((await api.call('DELETE', `/v3/roles/${r.id}`)).status).toBe(204);
  });

  it('delete: removes grants and inference rules and records a revocation event', async () => {
    const r = await createRole({ name: 'temp' });
    const other = await createRole({ name: 'other' });
    const domainId = await rows.domain();
    const projectId = await rows.project(domainId);
    const userId = await rows.user(domainId);
    expect((await api.call('PUT', `/v3/projects/${projectId}/users/${userId}/roles/${r.id}`)).status).toBe(204);
    expect((await api.call('PUT', `/v3/roles/${r.id}/implies/${other.id}`)).status).toBe(201);
    expect((await api.call('DELETE', `/v3/roles/${r.id}`)).status).toBe(204);
    expect((await api.call('GET', `/v3/roles/${r.id}`)).status).toBe(404);
    expect(await f.svc.db.selectFrom('assignment').selectAll().where('role_id', '=', r.id).execute()).toEqual([]);
    expect(await f.svc.db.selectFrom('implied_role').selectAll().where('prior_role_id', '=', r.id).execute()).toEqual([]);
    expect((await f.svc.revocations.list()).some((e) => e.role_id === r.id)).toBe(true);
  });

  it('implies: create, check, show, list, role_inferences, delete', async () => {
    const [p, i1, i2] = [await createRole({ name: 'p' }), await createRole({ name: 'i1' }), await createRole({ name: 'i2' })];
    const put = await api.call('PUT', `/v3/roles/${p.id}/implies/${i1.id}`);
    expect(put.status).toBe(201);
    expect(put.json['role_inference']).toMatchObject({ prior_role: { id: p.id, name: 'p' }, implies: { id: i1.id, name: 'i1' } });
    expect(put.json['role_inference'].implies.links.self).toMatch(new RegExp(`/v3/roles/${i1.id}$`));
    await api.call('PUT', `/v3/roles/${p.id}/implies/${i2.id}`);
    expect((await api.call('HEAD', `/v3/roles/${p.id}/implies/${i1.id}`)).status).toBe(204);
    expect((await api.call('GET', `/v3/roles/${p.id}/implies/${i1.id}`)).status).toBe(200);
    const list = await api.call('GET', `/v3/roles/${p.id}/implies`);
    expect(list.json['role_inference'].implies.map((r: Json) => r.id).sort()).toEqual([i1.id, i2.id].sort());
    expect(list.json['links'].self).toMatch(new RegExp(`/v3/roles/${p.id}/implies$`));
    const all = (await api.call('GET', '/v3/role_inferences')).json['role_inferences'] as Json[];
    expect(all.find((r) => r.prior_role.id === p.id)?.implies).toHaveLength(2);
    expect(all.some((r) => r.prior_role.name === 'admin' && r.implies[0].name === 'member')).toBe(true);
    expect((await api.call('DELETE', `/v3/roles/${p.id}/implies/${i1.id}`)).status).toBe(204);
    const gone = await api.call('GET', `/v3/roles/${p.id}/implies/${i1.id}`);
    expect(gone.status).toBe(404);
    expect(gone.json['error'].message).toBe(`${p.id} does not imply ${i1.id}`);
    expect((await api.call('HEAD', `/v3/roles/${p.id}/implies/${i1.id}`)).status).toBe(404);
    expect((await api.call('PUT', `/v3/roles/${p.id}/implies/missing`)).status).toBe(404);
  });

  it('implies: a global role may not imply a domain role, nor anything imply admin', async () => {
    const domainId = await rows.domain();
    const d1 = await createRole({ name: 'd1', domain_id: domainId });
    const d2 = await createRole({ name: 'd2', domain_id: domainId });
    const g = await createRole({ name: 'g' });
    expect((await api.call('PUT', `/v3/roles/${d1.id}/implies/${d2.id}`)).status).toBe(201);
    expect((await api.call('PUT', `/v3/roles/${d1.id}/implies/${g.id}`)).status).toBe(201);
    expect((await api.call('PUT', `/v3/roles/${g.id}/implies/${d1.id}`)).status).toBe(403);
    const admin = (await api.call('GET', '/v3/roles?name=admin')).json['roles'][0] as Json;
    expect((await api.call('PUT', `/v3/roles/${g.id}/implies/${admin.id}`)).status).toBe(403);
  });
});
