import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityFixture, type IdentityFixture } from '../test-support.js';
import { createLimit, limitPersonas, registerLimit, type LimitPersonas } from './limit-test-support.js';
import { call, type Json } from './resource-test-support.js';

describe('/v3/limits', () => {
  let f: IdentityFixture;
  let p: LimitPersonas;
  const as = (token: string, method: string, url: string, body?: unknown) => call(f, token, method, url, body);
  const base = () => ({ service_id: p.ids.service, region_id: 'RegionOne', resource_name: 'projects' });

  beforeEach(async () => {
    f = await identityFixture();
    p = await limitPersonas(f);
    expect((await registerLimit(f, p.system, { ...base(), default_limit: 10 })).status).toBe(201);
  });
  afterEach(async () => f.close());

  it('model: flat, readable by anyone with a token', async () => {
    const res = await as(p.demo, 'GET', '/v3/limits/model');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      model: { name: 'flat', description: 'Limit enforcement and validation does not take project hierarchy into consideration.' },
    });
  });

  it('create: project and domain limits in one batch, shown with their registered limit', async () => {
    const res = await as(p.system, 'POST', '/v3/limits', {
      limits: [
        { ...base(), project_id: p.ids.demo, resource_limit: 5, description: 'demo gets 5' },
        { ...base(), domain_id: 'default', resource_limit: 8 },
      ],
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.json)).toEqual(['limits']);
    const [project, domain] = res.json['limits'] as Json[];
    expect(project).toMatchObject({ ...base(), project_id: p.ids.demo, domain_id: null, resource_limit: 5, description: 'demo gets 5' });
    expect(project?.links.self).toMatch(new RegExp(`/v3/limits/${project?.id}$`));
    expect(domain).toMatchObject({ ...base(), project_id: null, domain_id: 'default', resource_limit: 8, description: null });
    expect((await as(p.system, 'GET', `/v3/limits/${project?.id}`)).json['limit']).toEqual(project);
  });

  it('create: a project_id that names a domain makes a domain limit', async () => {
    const res = await createLimit(f, p.system, { ...base(), project_id: 'default', resource_limit: 4 });
    expect(res.status).toBe(201);
    expect(res.json['limits'][0]).toMatchObject({ project_id: null, domain_id: 'default' });
  });

  it('create: validation, missing references, no registered limit (403) and duplicates (409)', async () => {
    const ok = { ...base(), project_id: p.ids.demo, resource_limit: 5 };
    const { project_id: _p, ...noOwner } = ok;
    for (const bad of [
      noOwner, { ...ok, domain_id: 'default' }, { ...ok, resource_limit: -2 }, { ...ok, resource_limit: 2 ** 31 },
      { ...ok, region_id: null }, { ...ok, other: 1 }, { ...ok, project_id: 'a b' },
    ]) {
      expect((await createLimit(f, p.system, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    const noProject = await createLimit(f, p.system, { ...ok, project_id: 'nope' });
    expect(noProject.status).toBe(400);
    expect(noProject.json['error'].message).toContain('Expecting to find project_id in limit');
    expect((await createLimit(f, p.system, { ...noOwner, domain_id: p.ids.demo })).status).toBe(400);
    expect((await createLimit(f, p.system, { ...ok, service_id: 'deadbeef' })).status).toBe(400);
    expect((await createLimit(f, p.system, { ...ok, region_id: 'Atlantis' })).status).toBe(400);

    const unregistered = await createLimit(f, p.system, { ...ok, resource_name: 'volumes' });
    expect(unregistered.status).toBe(403);
    expect(unregistered.json['error'].message).toBe('Unable to create a limit that has no corresponding registered limit.');
    // The registered limit is regional: a limit without a region does not match it.
    const { region_id: _r, ...global } = ok;
    expect((await createLimit(f, p.system, global)).status).toBe(403);

    expect((await createLimit(f, p.system, ok)).status).toBe(201);
    const dup = await createLimit(f, p.system, { ...ok, resource_limit: 6 });
    expect(dup.status).toBe(409);
    expect(dup.json['error'].message).toBe('Conflict occurred attempting to store limit - Duplicate entry.');
    // All or nothing: the admin project's limit in a failing batch is not kept.
    const batch = await as(p.system, 'POST', '/v3/limits', { limits: [{ ...ok, project_id: p.ids.admin }, { ...ok, resource_limit: 7 }] });
    expect(batch.status).toBe(409);
    expect((await as(p.system, 'GET', `/v3/limits?project_id=${p.ids.admin}`)).json['limits']).toEqual([]);
  });

  it('list: filters, and what each scope sees (Zed)', async () => {
    const svc2 = (await as(p.system, 'POST', '/v3/services', { service: { type: 'compute' } })).json['service'].id as string;
    expect((await registerLimit(f, p.system, { service_id: svc2, resource_name: 'cores', default_limit: 20 })).status).toBe(201);
    const other = (await as(p.system, 'POST', '/v3/domains', { domain: { name: 'other' } })).json['domain'].id as string;
    const created = await as(p.system, 'POST', '/v3/limits', {
      limits: [
        { ...base(), project_id: p.ids.demo, resource_limit: 1 },
        { ...base(), project_id: p.ids.admin, resource_limit: 2 },
        { ...base(), domain_id: 'default', resource_limit: 3 },
        { ...base(), domain_id: other, resource_limit: 4 },
        { service_id: svc2, resource_name: 'cores', project_id: p.ids.demo, resource_limit: 5 },
      ],
    });
    expect(created.status).toBe(201);
    const values = async (token: string, query = '') =>
      ((await as(token, 'GET', `/v3/limits${query}`)).json['limits'] as Json[]).map((l) => l.resource_limit).sort();

    expect(await values(p.system)).toEqual([1, 2, 3, 4, 5]);
    expect(await values(p.system, `?service_id=${svc2}`)).toEqual([5]);
    expect(await values(p.system, '?region_id=RegionOne')).toEqual([1, 2, 3, 4]);
    expect(await values(p.system, '?resource_name=projects&domain_id=default')).toEqual([3]);
    expect(await values(p.system, `?project_id=${p.ids.demo}`)).toEqual([1, 5]);
    // Project scope: its own project's limits only, whatever the role.
    expect(await values(p.demo)).toEqual([1, 5]);
    expect(await values(p.demo, `?project_id=${p.ids.admin}`)).toEqual([]);
    expect(await values(p.projectAdmin)).toEqual([2]);
    // Domain scope: the domain's limit and those of its projects.
    expect(await values(p.demoDomain)).toEqual([1, 2, 3, 5]);
  });

  it('get: system readers, the project and its domain may read; others get 403', async () => {
    const res = await as(p.system, 'POST', '/v3/limits', {
      limits: [{ ...base(), project_id: p.ids.admin, resource_limit: 2 }, { ...base(), domain_id: 'default', resource_limit: 3 }],
    });
    const [adminLimit, domainLimit] = res.json['limits'] as Json[];
    expect((await as(p.projectAdmin, 'GET', `/v3/limits/${adminLimit?.id}`)).status).toBe(200);
    expect((await as(p.demo, 'GET', `/v3/limits/${adminLimit?.id}`)).status).toBe(403);
    expect((await as(p.demo, 'GET', `/v3/limits/${domainLimit?.id}`)).status).toBe(403);
    expect((await as(p.demoDomain, 'GET', `/v3/limits/${adminLimit?.id}`)).status).toBe(200);
    expect((await as(p.demoDomain, 'GET', `/v3/limits/${domainLimit?.id}`)).status).toBe(200);
    // The policy decides before the 404, as in Keystone.
    expect((await as(p.demo, 'GET', '/v3/limits/0123')).status).toBe(403);
    const missing = await as(p.system, 'GET', '/v3/limits/0123');
    expect(missing.status).toBe(404);
    expect(missing.json['error'].message).toBe('Could not find limit for 0123.');
  });

  it('update: resource_limit and description only, 0 included; system admin only', async () => {
    const limit = (await createLimit(f, p.system, { ...base(), project_id: p.ids.demo, resource_limit: 5, description: 'd' })).json['limits'][0] as Json;
    const patch = (token: string, body: Json) => as(token, 'PATCH', `/v3/limits/${limit.id}`, { limit: body });
    const upd = await patch(p.system, { resource_limit: 0, description: 'none at all' });
    expect(upd.status).toBe(200);
    expect(upd.json['limit']).toMatchObject({ id: limit.id, project_id: p.ids.demo, resource_limit: 0, description: 'none at all', ...base() });
    expect((await as(p.system, 'GET', `/v3/limits/${limit.id}`)).json['limit'].resource_limit).toBe(0);
    expect((await patch(p.system, { resource_name: 'other' })).status).toBe(400);
    expect((await patch(p.system, { resource_limit: -2 })).status).toBe(400);
    expect((await patch(p.projectAdmin, { resource_limit: 1 })).status).toBe(403);
    expect((await as(p.system, 'PATCH', '/v3/limits/0123', { limit: { resource_limit: 1 } })).status).toBe(404);
  });

  it('delete: system admin only; 404 afterwards', async () => {
    const limit = (await createLimit(f, p.system, { ...base(), project_id: p.ids.demo, resource_limit: 5 })).json['limits'][0] as Json;
    expect((await as(p.projectAdmin, 'DELETE', `/v3/limits/${limit.id}`)).status).toBe(403);
    expect((await as(p.system, 'DELETE', `/v3/limits/${limit.id}`)).status).toBe(204);
    expect((await as(p.system, 'GET', `/v3/limits/${limit.id}`)).status).toBe(404);
    expect((await as(p.system, 'DELETE', `/v3/limits/${limit.id}`)).status).toBe(404);
  });

  it('deleting a project or a domain deletes its limits', async () => {
    const dom = (await as(p.system, 'POST', '/v3/domains', { domain: { name: 'gone' } })).json['domain'].id as string;
    const proj = (await as(p.system, 'POST', '/v3/projects', { project: { name: 'gone-p', domain_id: dom } })).json['project'].id as string;
    const res = await as(p.system, 'POST', '/v3/limits', {
      limits: [{ ...base(), project_id: proj, resource_limit: 1 }, { ...base(), domain_id: dom, resource_limit: 2 }],
    });
    expect(res.status).toBe(201);
    expect((await as(p.system, 'DELETE', `/v3/projects/${proj}`)).status).toBe(204);
    expect((await as(p.system, 'GET', `/v3/limits?project_id=${proj}`)).json['limits']).toEqual([]);
    expect((await as(p.system, 'PATCH', `/v3/domains/${dom}`, { domain: { enabled: false } })).status).toBe(200);
    expect((await as(p.system, 'DELETE', `/v3/domains/${dom}`)).status).toBe(204);
    expect((await as(p.system, 'GET', `/v3/limits?domain_id=${dom}`)).json['limits']).toEqual([]);
    // With no limits left on it, the registered limit can go.
    const reg = (await as(p.system, 'GET', '/v3/registered_limits')).json['registered_limits'][0] as Json;
    expect((await as(p.system, 'DELETE', `/v3/registered_limits/${reg.id}`)).status).toBe(204);
  });
});
