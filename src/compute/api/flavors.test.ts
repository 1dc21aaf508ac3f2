import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCaller, computeFixture, novaFault, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
beforeAll(async () => { f = await computeFixture(); });
afterAll(async () => { await f.close(); });
const call = computeCaller(() => f);

async function flavor(body: Record<string, unknown>, version?: string): Promise<Record<string, any>> {
  const res = await call('admin', 'POST', '/v2.1/flavors', { flavor: body }, version);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().flavor;
}

describe('compute: versions and microversions', () => {
  it('version documents without a token; headers on versioned requests', async () => {
    const root = await f.app.inject({ method: 'GET', url: '/', headers: { host: 'cloud:8774' } });
    expect(root.statusCode).toBe(200);
    expect(root.json().versions[1]).toMatchObject({ id: 'v2.1', status: 'CURRENT', version: '2.93', min_version: '2.1' });
    const v21 = await f.app.inject({ method: 'GET', url: '/v2.1', headers: { host: 'cloud:8774' } });
    expect(v21.json().version.links[0]).toEqual({ rel: 'self', href: 'http://cloud:8774/v2.1/' });
    const latest = await call('demo', 'GET', '/v2.1/flavors', undefined, 'latest');
    expect(latest.headers['openstack-api-version']).toBe('compute 2.93');
    expect(latest.headers['x-openstack-nova-api-version']).toBe('2.93');
    const legacy = await f.app.inject({ method: 'GET', url: '/v2.1/flavors', headers: { 'x-auth-token': 'demo', 'x-openstack-nova-api-version': '2.55' } });
    expect(legacy.headers['openstack-api-version']).toBe('compute 2.55');
    const tooHigh = await call('demo', 'GET', '/v2.1/flavors', undefined, '2.94');
    expect(tooHigh.statusCode).toBe(406);
    expect(novaFault(tooHigh).message).toBe('Version 2.94 is not supported by the API. Minimum is 2.1 and maximum is 2.93.');
    const garbage = await call('demo', 'GET', '/v2.1/flavors', undefined, '2.x');
    expect(novaFault(garbage)).toMatchObject({ name: 'badRequest', code: 400 });
    const early = await call('admin', 'PUT', '/v2.1/flavors/x', { flavor: { description: 'd' } }, '2.54');
    expect(early.statusCode).toBe(404);
    const withProject = await f.app.inject({ method: 'GET', url: '/v2.1/0123456789abcdef0123456789abcdef/flavors', headers: { 'x-auth-token': 'demo' } });
    expect(withProject.statusCode).toBe(200);
  });
});

describe('compute: flavors', () => {
  it('create, show and list with Nova\'s views per microversion', async () => {
    const tiny = await flavor({ name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1, id: 'tiny-1' });
    expect(tiny).toMatchObject({ id: 'tiny-1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1, swap: '', 'OS-FLV-EXT-DATA:ephemeral': 0,
      'OS-FLV-DISABLED:disabled': false, 'os-flavor-access:is_public': true, rxtx_factor: 1 });
    expect(tiny.links[0].href).toMatch(/\/v2\.1\/flavors\/tiny-1$/);
    expect(tiny).not.toHaveProperty('description');
    const described = await flavor({ name: 'm1.small', ram: '2048', vcpus: '1', disk: 20, swap: 512, description: 'small one' }, '2.55');
    expect(described).toMatchObject({ ram: 2048, swap: 512, description: 'small one' });
    expect(described.id).toMatch(/^[0-9a-f-]{36}$/);
    const shown = await call('demo', 'GET', `/v2.1/flavors/${described.id}`, undefined, '2.75');
    expect(shown.json().flavor).toMatchObject({ swap: 512, description: 'small one', extra_specs: {} });
    const noSwap = await call('demo', 'GET', '/v2.1/flavors/tiny-1', undefined, '2.75');
    expect(noSwap.json().flavor.swap).toBe(0);

    const dupName = await call('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'm1.tiny', ram: 1, vcpus: 1, disk: 0 } });
    expect(dupName.statusCode).toBe(409);
    expect(novaFault(dupName)).toEqual({ name: 'conflictingRequest', code: 409, message: 'Flavor with name m1.tiny already exists.' });
    const dupId = await call('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'other', ram: 1, vcpus: 1, disk: 0, id: 'tiny-1' } });
    expect(novaFault(dupId).message).toBe('Flavor with ID tiny-1 already exists.');
    const bad = await call('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'zero', ram: 0, vcpus: 1, disk: 0 } });
    expect(bad.statusCode).toBe(400);
    const spaces = await call('admin', 'POST', '/v2.1/flavors', { flavor: { name: ' lead', ram: 1, vcpus: 1, disk: 0 } });
    expect(spaces.statusCode).toBe(400);
    const byDemo = await call('demo', 'POST', '/v2.1/flavors', { flavor: { name: 'mine', ram: 1, vcpus: 1, disk: 0 } });
    expect(byDemo.statusCode).toBe(403);
    expect(novaFault(byDemo).message).toBe("Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.");

    const list = await call('demo', 'GET', '/v2.1/flavors?minRam=1024');
    expect(list.json().flavors.map((x: { name: string }) => x.name)).toEqual(['m1.small']);
    const paged = await call('demo', 'GET', '/v2.1/flavors/detail?limit=1&sort_key=name');
    expect(paged.json().flavors).toHaveLength(1);
    expect(paged.json().flavors_links[0].href).toContain('marker=');
    const badSort = await call('demo', 'GET', '/v2.1/flavors?sort_key=colour');
    expect(badSort.statusCode).toBe(400);
    const strict = await call('demo', 'GET', '/v2.1/flavors?foo=1', undefined, '2.75');
    expect(strict.statusCode).toBe(400);
  });

  it('private flavors: visible through project access only; access list actions', async () => {
    const priv = await flavor({ name: 'private.one', ram: 256, vcpus: 1, disk: 0, 'os-flavor-access:is_public': false });
    expect((await call('demo', 'GET', `/v2.1/flavors/${priv.id}`)).statusCode).toBe(404);
    const listed = await call('demo', 'GET', '/v2.1/flavors');
    expect(listed.json().flavors.some((x: { id: string }) => x.id === priv.id)).toBe(false);
    const adminPrivate = await call('admin', 'GET', '/v2.1/flavors?is_public=false');
    expect(adminPrivate.json().flavors.map((x: { id: string }) => x.id)).toEqual([priv.id]);
    const add = await call('admin', 'POST', `/v2.1/flavors/${priv.id}/action`, { addTenantAccess: { tenant: 'p-demo' } });
    expect(add.statusCode, add.body).toBe(200);
    expect(add.json()).toEqual({ flavor_access: [{ flavor_id: priv.id, tenant_id: 'p-demo' }] });
    const again = await call('admin', 'POST', `/v2.1/flavors/${priv.id}/action`, { addTenantAccess: { tenant: 'p-demo' } });
    expect(again.statusCode).toBe(409);
    expect((await call('demo', 'GET', `/v2.1/flavors/${priv.id}`)).statusCode).toBe(200);
    expect((await call('demo', 'GET', '/v2.1/flavors')).json().flavors.some((x: { id: string }) => x.id === priv.id)).toBe(true);
    const publicAccess = await call('admin', 'GET', '/v2.1/flavors/tiny-1/os-flavor-access');
    expect(publicAccess.statusCode).toBe(404);
    const removed = await call('admin', 'POST', `/v2.1/flavors/${priv.id}/action`, { removeTenantAccess: { tenant: 'p-demo' } });
    expect(removed.json()).toEqual({ flavor_access: [] });
    const missing = await call('admin', 'POST', `/v2.1/flavors/${priv.id}/action`, { removeTenantAccess: { tenant: 'p-demo' } });
    expect(missing.statusCode).toBe(404);
  });

  it('extra specs: set, show, replace one key, delete; shown in flavors from 2.61', async () => {
    const fl = await flavor({ name: 'specs', ram: 64, vcpus: 1, disk: 0 });
    const set = await call('admin', 'POST', `/v2.1/flavors/${fl.id}/os-extra_specs`, { extra_specs: { 'hw:cpu_policy': 'dedicated', ssd: true, 'quota:cpu_quota': 10000 } });
    expect(set.json()).toEqual({ extra_specs: { 'hw:cpu_policy': 'dedicated', ssd: 'True', 'quota:cpu_quota': '10000' } });
    expect((await call('demo', 'GET', `/v2.1/flavors/${fl.id}/os-extra_specs/ssd`)).json()).toEqual({ ssd: 'True' });
    const mismatch = await call('admin', 'PUT', `/v2.1/flavors/${fl.id}/os-extra_specs/ssd`, { other: 'x' });
    expect(novaFault(mismatch).message).toBe('Request body and URI mismatch');
    expect((await call('admin', 'PUT', `/v2.1/flavors/${fl.id}/os-extra_specs/ssd`, { ssd: 'false' })).json()).toEqual({ ssd: 'false' });
    expect((await call('demo', 'POST', `/v2.1/flavors/${fl.id}/os-extra_specs`, { extra_specs: { a: 'b' } })).statusCode).toBe(403);
    expect((await call('admin', 'DELETE', `/v2.1/flavors/${fl.id}/os-extra_specs/ssd`)).statusCode).toBe(200);
    const gone = await call('admin', 'GET', `/v2.1/flavors/${fl.id}/os-extra_specs/ssd`);
    expect(novaFault(gone).message).toBe(`Flavor ${fl.id} has no extra specs with key ssd.`);
    const detail = await call('demo', 'GET', `/v2.1/flavors/${fl.id}`, undefined, '2.61');
    expect(detail.json().flavor.extra_specs).toEqual({ 'hw:cpu_policy': 'dedicated', 'quota:cpu_quota': '10000' });
    expect((await call('admin', 'DELETE', `/v2.1/flavors/${fl.id}`)).statusCode).toBe(202);
    expect((await call('admin', 'GET', `/v2.1/flavors/${fl.id}`)).statusCode).toBe(404);
  });
});
