import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, callerFor, networkFixture, type NetworkFixture, PROJECTS } from '../test-support.js';

let f: NetworkFixture;
beforeAll(async () => { f = await networkFixture({ vniRanges: [{ min: 100, max: 140 }] }); });
afterAll(async () => { await f.close(); });

const call = callerFor(() => f);

async function create(who: Caller, body: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await call(who, 'POST', '/v2.0/networks', { network: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().network;
}

describe('networks', () => {
  it('creates a vxlan project network with the first free VNI and the right MTU', async () => {
    const n = await create('admin', { name: 'net1' });
    expect(n).toMatchObject({
      name: 'net1', status: 'ACTIVE', admin_state_up: true, shared: false, 'router:external': false, mtu: 1450,
      project_id: PROJECTS.admin, tenant_id: PROJECTS.admin, subnets: [], tags: [], revision_number: 1,
      'provider:network_type': 'vxlan', 'provider:segmentation_id': 100, port_security_enabled: true,
    });
    const demo = await create('demo', { name: 'mine' });
    expect(demo['provider:network_type']).toBeUndefined();
  });

  it('gives parallel creates distinct VNIs', async () => {
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) => create('demo', { name: `par-${i}` })));
    const res = await call('admin', 'GET', '/v2.0/networks?fields=provider:segmentation_id');
    const vnis = res.json().networks.map((n: any) => n['provider:segmentation_id']);
    expect(new Set(vnis).size).toBe(vnis.length);
    expect(made).toHaveLength(12);
  });

  it('keeps provider, shared and external attributes for admins', async () => {
    const denied = await call('demo', 'POST', '/v2.0/networks', { network: { shared: true } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().NeutronError.type).toBe('PolicyNotAuthorized');
    expect((await call('demo', 'POST', '/v2.0/networks', { network: { 'provider:network_type': 'flat' } })).statusCode).toBe(403);
    const ext = await create('admin', { name: 'public', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' });
    expect(ext).toMatchObject({ 'router:external': true, mtu: 1500, 'provider:segmentation_id': null });
    const seen = await call('alt', 'GET', `/v2.0/networks/${ext.id}`);
    expect(seen.statusCode).toBe(200);
  });

  it('hides other projects\' networks and answers NeutronError bodies', async () => {
    const n = await create('demo', { name: 'private-one' });
    const res = await call('alt', 'GET', `/v2.0/networks/${n.id}`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ NeutronError: { type: 'NetworkNotFound', message: `Network ${n.id} could not be found.`, detail: '' } });
    expect((await call('alt', 'DELETE', `/v2.0/networks/${n.id}`)).statusCode).toBe(404);
    const bad = await call('demo', 'POST', '/v2.0/networks', { network: { bogus: 1 } });
    expect(bad.statusCode).toBe(400);
    expect((await call('demo', 'POST', '/v2.0/networks', { network: { mtu: 9000 } })).statusCode).toBe(400);
  });

  it('updates, tags, filters, sorts, pages and deletes', async () => {
    const a = await create('alt', { name: 'b-net' });
    const b = await create('alt', { name: 'a-net' });
    const upd = await call('alt', 'PUT', `/v2.0/networks/${a.id}`, { network: { name: 'c-net', admin_state_up: false } });
    expect(upd.json().network).toMatchObject({ name: 'c-net', admin_state_up: false, revision_number: 2 });
    expect((await call('alt', 'PUT', `/v2.0/networks/${a.id}/tags`, { tags: ['red', 'blue'] })).json().tags).toEqual(['blue', 'red']);
    const byTag = await call('alt', 'GET', '/v2.0/networks?tags=red');
    expect(byTag.json().networks.map((n: any) => n.id)).toEqual([a.id]);
    const sorted = await call('alt', 'GET', '/v2.0/networks?project_id=p-alt&sort_key=name&sort_dir=asc&fields=name');
    expect(sorted.json().networks).toEqual([{ name: 'a-net' }, { name: 'c-net' }]);
    const page = await call('alt', 'GET', '/v2.0/networks?project_id=p-alt&sort_key=name&sort_dir=asc&limit=1');
    expect(page.json().networks.map((n: any) => n.id)).toEqual([b.id]);
    expect(page.json().networks_links[0].rel).toBe('next');
    const byName = await call('alt', 'GET', '/v2.0/networks?name=a-net&name=c-net');
    expect(byName.json().networks).toHaveLength(2);
    expect((await call('alt', 'DELETE', `/v2.0/networks/${a.id}`)).statusCode).toBe(204);
    expect((await call('alt', 'GET', `/v2.0/networks/${a.id}`)).statusCode).toBe(404);
  });

  it('serves versions and lists only implemented extensions', async () => {
    expect((await f.app.inject({ method: 'GET', url: '/' })).json().versions[0].id).toBe('v2.0');
    const ext = (await call('demo', 'GET', '/v2.0/extensions')).json().extensions.map((e: any) => e.alias);
    expect(ext).toContain('provider');
    expect(ext).toContain('router');
    // Not built yet: the extension list must not claim them.
    expect(ext).not.toContain('dvr');
    expect(ext).not.toContain('l3-ha');
  });
});
