import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityFixture, type IdentityFixture } from '../test-support.js';
import { createLimit, limitPersonas, registerLimit, type LimitPersonas } from './limit-test-support.js';
import { call, type Json } from './resource-test-support.js';

describe('/v3/registered_limits', () => {
  let f: IdentityFixture;
  let p: LimitPersonas;
  const as = (token: string, method: string, url: string, body?: unknown) => call(f, token, method, url, body);

  beforeEach(async () => {
    f = await identityFixture();
    p = await limitPersonas(f);
  });
  afterEach(async () => f.close());

  it('create: a batch comes back with ids, links and null defaults; get and list read it back', async () => {
    const res = await as(p.system, 'POST', '/v3/registered_limits', {
      registered_limits: [
        { service_id: p.ids.service, region_id: 'RegionOne', resource_name: 'projects', default_limit: 10, description: 'tenants' },
        { service_id: p.ids.service, resource_name: 'users', default_limit: -1 },
      ],
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.json)).toEqual(['registered_limits']);
    const [a, b] = res.json['registered_limits'] as Json[];
    expect(a).toMatchObject({ service_id: p.ids.service, region_id: 'RegionOne', resource_name: 'projects', default_limit: 10, description: 'tenants' });
    expect(a?.id).toMatch(/^[0-9a-f]{32}$/);
    expect(a?.links.self).toMatch(new RegExp(`/v3/registered_limits/${a?.id}$`));
    expect(b).toMatchObject({ region_id: null, resource_name: 'users', default_limit: -1, description: null });

    const one = await as(p.demo, 'GET', `/v3/registered_limits/${a?.id}`);
    expect(one.status).toBe(200);
    expect(one.json['registered_limit']).toEqual(a);
    const all = await as(p.demo, 'GET', '/v3/registered_limits');
    expect(all.status).toBe(200);
    expect((all.json['registered_limits'] as Json[]).map((r) => r.id).sort()).toEqual([a?.id, b?.id].sort());
    expect(all.json['links']).toMatchObject({ previous: null, next: null });
  });

  it('list: filters by service_id, region_id and resource_name', async () => {
    const svc2 = (await as(p.system, 'POST', '/v3/services', { service: { type: 'compute', name: 'nova' } })).json['service'].id as string;
    await as(p.system, 'POST', '/v3/regions', { region: { id: 'RegionTwo' } });
    const items = [
      { service_id: p.ids.service, region_id: 'RegionOne', resource_name: 'projects', default_limit: 1 },
      { service_id: p.ids.service, region_id: 'RegionTwo', resource_name: 'projects', default_limit: 2 },
      { service_id: svc2, region_id: 'RegionOne', resource_name: 'cores', default_limit: 3 },
    ];
    expect((await as(p.system, 'POST', '/v3/registered_limits', { registered_limits: items })).status).toBe(201);
    const values = async (query: string) =>
      ((await as(p.system, 'GET', `/v3/registered_limits?${query}`)).json['registered_limits'] as Json[]).map((r) => r.default_limit).sort();
    expect(await values(`service_id=${p.ids.service}`)).toEqual([1, 2]);
    expect(await values('region_id=RegionOne')).toEqual([1, 3]);
    expect(await values('resource_name=projects&region_id=RegionTwo')).toEqual([2]);
    expect(await values('resource_name=nothing')).toEqual([]);
  });

  it('create: validates the schema, the service and the region; all or nothing', async () => {
    const ok = { service_id: p.ids.service, resource_name: 'projects', default_limit: 5 };
    for (const bad of [
      { ...ok, default_limit: -2 }, { ...ok, default_limit: 0x80000000 }, { ...ok, default_limit: 1.5 }, { ...ok, default_limit: '5' },
      { ...ok, resource_name: '' }, { ...ok, resource_name: 'x'.repeat(256) }, { ...ok, extra: 1 }, { ...ok, service_id: 'not/an/id' },
      { service_id: p.ids.service, resource_name: 'projects' },
    ]) {
      expect((await registerLimit(f, p.system, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await as(p.system, 'POST', '/v3/registered_limits', { registered_limits: [] })).status).toBe(400);
    expect((await registerLimit(f, p.system, { ...ok, default_limit: 0x7fffffff })).status).toBe(201);

    const noService = await registerLimit(f, p.system, { ...ok, service_id: 'deadbeef', resource_name: 'other' });
    expect(noService.status).toBe(400);
    expect(noService.json['error'].message).toContain('Expecting to find service_id in registered_limit');
    const noRegion = await registerLimit(f, p.system, { ...ok, region_id: 'Atlantis', resource_name: 'other' });
    expect(noRegion.status).toBe(400);
    expect(noRegion.json['error'].message).toContain('Expecting to find region_id in registered_limit');

    // A bad item anywhere in the batch leaves nothing behind.
    const batch = await as(p.system, 'POST', '/v3/registered_limits', {
      registered_limits: [{ ...ok, resource_name: 'good' }, { ...ok, resource_name: 'bad', region_id: 'Atlantis' }],
    });
    expect(batch.status).toBe(400);
    expect((await as(p.system, 'GET', '/v3/registered_limits?resource_name=good')).json['registered_limits']).toEqual([]);
  });

  it('create: the same service, region and resource twice is a 409, also inside one batch', async () => {
    const item = { service_id: p.ids.service, region_id: 'RegionOne', resource_name: 'projects', default_limit: 5 };
    expect((await registerLimit(f, p.system, item)).status).toBe(201);
    const again = await registerLimit(f, p.system, { ...item, default_limit: 6 });
    expect(again.status).toBe(409);
    expect(again.json['error'].message).toBe('Conflict occurred attempting to store registered_limit - Duplicate entry.');
    // No region is a region of its own: both a regional and a global limit may exist, but one global only.
    const global = { service_id: p.ids.service, resource_name: 'projects', default_limit: 7 };
    expect((await registerLimit(f, p.system, global)).status).toBe(201);
    expect((await registerLimit(f, p.system, global)).status).toBe(409);
    const twice = await as(p.system, 'POST', '/v3/registered_limits', { registered_limits: [{ ...item, resource_name: 'x' }, { ...item, resource_name: 'x' }] });
    expect(twice.status).toBe(409);
    expect((await as(p.system, 'GET', '/v3/registered_limits?resource_name=x')).json['registered_limits']).toEqual([]);
  });

  it('update: changes fields, checks references and duplicates, 404 for an unknown id', async () => {
    await as(p.system, 'POST', '/v3/regions', { region: { id: 'RegionTwo' } });
    const a = (await registerLimit(f, p.system, { service_id: p.ids.service, region_id: 'RegionOne', resource_name: 'projects', default_limit: 5 })).json['registered_limits'][0] as Json;
    const b = (await registerLimit(f, p.system, { service_id: p.ids.service, region_id: 'RegionTwo', resource_name: 'projects', default_limit: 5 })).json['registered_limits'][0] as Json;
    const patch = (id: string, body: Json) => as(p.system, 'PATCH', `/v3/registered_limits/${id}`, { registered_limit: body });

    const upd = await patch(a.id, { default_limit: 20, description: 'more' });
    expect(upd.status).toBe(200);
    expect(upd.json['registered_limit']).toMatchObject({ id: a.id, default_limit: 20, description: 'more', region_id: 'RegionOne' });
    expect((await as(p.system, 'GET', `/v3/registered_limits/${a.id}`)).json['registered_limit'].default_limit).toBe(20);
    // Re-stating its own service and resource is not a duplicate of itself.
    expect((await patch(a.id, { service_id: p.ids.service, resource_name: 'projects' })).status).toBe(200);

    expect((await patch(a.id, { region_id: 'RegionTwo' })).status).toBe(409);
    expect((await patch(a.id, { region_id: 'Atlantis' })).status).toBe(400);
    expect((await patch(a.id, { service_id: 'deadbeef' })).status).toBe(400);
    expect((await patch(a.id, { default_limit: -5 })).status).toBe(400);
    expect((await patch(a.id, { id: 'other' })).status).toBe(400);
    const moved = await patch(b.id, { region_id: null, resource_name: 'domains' });
    expect(moved.json['registered_limit']).toMatchObject({ region_id: null, resource_name: 'domains' });

    const missing = await patch('0123', { default_limit: 1 });
    expect(missing.status).toBe(404);
    expect(missing.json['error'].message).toBe('Could not find registered limit for 0123.');
  });

  it('update and delete are refused (403) while a project limit refers to it', async () => {
    const reg = (await registerLimit(f, p.system, { service_id: p.ids.service, region_id: 'RegionOne', resource_name: 'projects', default_limit: 5 })).json['registered_limits'][0] as Json;
    const limit = (await createLimit(f, p.system, { project_id: p.ids.demo, service_id: p.ids.service, region_id: 'RegionOne', resource_name: 'projects', resource_limit: 3 })).json['limits'][0] as Json;
    const message = `Unable to update or delete registered limit ${reg.id} because there are project limits associated with it.`;
    const upd = await as(p.system, 'PATCH', `/v3/registered_limits/${reg.id}`, { registered_limit: { resource_name: 'volumes' } });
    expect(upd.status).toBe(403);
    expect(upd.json['error'].message).toBe(message);
    // Zed refuses every change while referenced, the default too.
    expect((await as(p.system, 'PATCH', `/v3/registered_limits/${reg.id}`, { registered_limit: { default_limit: 9 } })).status).toBe(403);
    const del = await as(p.system, 'DELETE', `/v3/registered_limits/${reg.id}`);
    expect(del.status).toBe(403);
    expect(del.json['error'].message).toBe(message);

    expect((await as(p.system, 'DELETE', `/v3/limits/${limit.id}`)).status).toBe(204);
    expect((await as(p.system, 'DELETE', `/v3/registered_limits/${reg.id}`)).status).toBe(204);
    expect((await as(p.system, 'GET', `/v3/registered_limits/${reg.id}`)).status).toBe(404);
    expect((await as(p.system, 'DELETE', `/v3/registered_limits/${reg.id}`)).status).toBe(404);
  });

  it('policy: anyone with a token reads; only a system admin writes', async () => {
    const item = { service_id: p.ids.service, resource_name: 'projects', default_limit: 5 };
    expect((await registerLimit(f, p.projectAdmin, item)).status).toBe(403);
    expect((await registerLimit(f, p.demo, item)).status).toBe(403);
    const reg = (await registerLimit(f, p.system, item)).json['registered_limits'][0] as Json;
    expect((await as(p.projectAdmin, 'PATCH', `/v3/registered_limits/${reg.id}`, { registered_limit: { default_limit: 1 } })).status).toBe(403);
    expect((await as(p.projectAdmin, 'DELETE', `/v3/registered_limits/${reg.id}`)).status).toBe(403);
    expect((await as(p.demoDomain, 'GET', `/v3/registered_limits/${reg.id}`)).status).toBe(200);
    expect((await f.app.inject({ method: 'GET', url: '/v3/registered_limits' })).statusCode).toBe(401);
  });

  it('a service or region that registered limits name cannot be deleted', async () => {
    await as(p.system, 'POST', '/v3/regions', { region: { id: 'Parent' } });
    await as(p.system, 'POST', '/v3/regions', { region: { id: 'Child', parent_region_id: 'Parent' } });
    const svc2 = (await as(p.system, 'POST', '/v3/services', { service: { type: 'compute' } })).json['service'].id as string;
    const reg = (await registerLimit(f, p.system, { service_id: svc2, region_id: 'Child', resource_name: 'cores', default_limit: 5 })).json['registered_limits'][0] as Json;
    expect((await as(p.system, 'DELETE', `/v3/services/${svc2}`)).status).toBe(403);
    expect((await as(p.system, 'DELETE', '/v3/regions/Parent')).status).toBe(403);
    expect((await as(p.system, 'GET', '/v3/regions/Child')).status).toBe(200);
    expect((await as(p.system, 'DELETE', `/v3/registered_limits/${reg.id}`)).status).toBe(204);
    expect((await as(p.system, 'DELETE', '/v3/regions/Parent')).status).toBe(204);
    expect((await as(p.system, 'DELETE', `/v3/services/${svc2}`)).status).toBe(204);
  });
});
