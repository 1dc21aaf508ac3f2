import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityFixture, type IdentityFixture } from '../test-support.js';
import { Api, Rows, type Json } from './assignment-test-support.js';

describe('services, endpoints, endpoint groups, policies, regions', () => {
  let f: IdentityFixture;
  let api: Api;

  beforeEach(async () => {
    f = await identityFixture();
    api = await new Api(f).login();
  });
  afterEach(async () => f.close());

  const service = async (body: Json = { type: 'compute', name: 'nova' }): Promise<Json> => {
    const res = await api.call('POST', '/v3/services', { service: body });
    expect(res.status).toBe(201);
    return res.json['service'];
  };
  const endpoint = async (body: Json): Promise<{ status: number; json: Json }> => api.call('POST', '/v3/endpoints', { endpoint: body });

  it('services: CRUD, filters, extra attributes, and the catalog follows', async () => {
    const s = await service({ type: 'compute', name: 'nova', description: 'vms', owner: 'ops' });
    expect(s).toMatchObject({ type: 'compute', name: 'nova', description: 'vms', enabled: true, owner: 'ops' });
    const bare = await service({ type: 'image' });
    expect(bare).not.toHaveProperty('name');
    expect((await api.call('GET', `/v3/services/${s.id}`)).json['service']).toEqual(s);
    expect((await api.call('GET', '/v3/services?type=compute')).json['services']).toEqual([s]);
    expect((await api.call('GET', '/v3/services?name=nova')).json['services']).toEqual([s]);
    const upd = await api.call('PATCH', `/v3/services/${s.id}`, { service: { description: 'servers', enabled: false } });
    expect(upd.json['service']).toMatchObject({ description: 'servers', enabled: false, name: 'nova' });
    expect((await api.call('POST', '/v3/services', { service: { name: 'x' } })).status).toBe(400);
    expect((await api.call('POST', '/v3/services', { service: { type: 'x', enabled: 'True' } })).status).toBe(400);

    await api.call('PATCH', `/v3/services/${s.id}`, { service: { enabled: true } });
    const e = await endpoint({ service_id: s.id, interface: 'public', url: 'http://nova:8774/v2.1', region_id: 'RegionOne' });
    expect(e.status).toBe(201);
    const catalog = (await api.call('GET', '/v3/auth/catalog')).json['catalog'] as Json[];
    expect(catalog.find((c) => c.id === s.id)?.endpoints.map((x: Json) => x.url)).toEqual(['http://nova:8774/v2.1']);

    expect((await api.call('DELETE', `/v3/services/${s.id}`)).status).toBe(204);
    expect((await api.call('GET', `/v3/services/${s.id}`)).status).toBe(404);
    expect((await api.call('GET', `/v3/endpoints/${e.json['endpoint'].id}`)).status).toBe(404);
    expect((await api.call('DELETE', `/v3/services/${s.id}`)).json['error'].message).toBe(`Could not find service: ${s.id}.`);
  });

  it('endpoints: create validates interface, url, enabled, service and region', async () => {
    const s = await service();
    const ok = { service_id: s.id, interface: 'public', url: 'http://a:1/' };
    expect((await endpoint({ ...ok, interface: 'private' })).status).toBe(400);
    expect((await endpoint({ ...ok, url: 'not a url' })).status).toBe(400);
    expect((await endpoint({ ...ok, enabled: 'False' })).status).toBe(400);
    const noService = await endpoint({ ...ok, service_id: 'nope' });
    expect(noService.status).toBe(400);
    expect(noService.json['error'].message).toContain('Expecting to find endpoint service_id in service table');
    expect((await endpoint({ ...ok, region_id: 'nowhere' })).status).toBe(400);
    expect((await api.call('GET', '/v3/regions/nowhere')).status).toBe(404);

    // The legacy `region` creates a missing region.
    const legacy = await endpoint({ ...ok, region: 'Atlantis', enabled: true });
    expect(legacy.status).toBe(201);
    expect(legacy.json['endpoint']).toMatchObject({ region: 'Atlantis', region_id: 'Atlantis', enabled: true, interface: 'public', url: 'http://a:1/' });
    expect((await api.call('GET', '/v3/regions/Atlantis')).status).toBe(200);
    // A region with endpoints cannot go.
    expect((await api.call('DELETE', '/v3/regions/Atlantis')).status).toBe(403);
  });

  it('endpoints: update, filters and delete', async () => {
    const s1 = await service();
    const s2 = await service({ type: 'image', name: 'glance' });
    const e = (await endpoint({ service_id: s1.id, interface: 'public', url: 'http://a:1/', region: 'R1' })).json['endpoint'];
    const upd = await api.call('PATCH', `/v3/endpoints/${e.id}`, { endpoint: { service_id: s2.id, interface: 'internal', url: 'http://b:2/', region: 'R2', enabled: false } });
    expect(upd.status).toBe(200);
    expect(upd.json['endpoint']).toMatchObject({ service_id: s2.id, interface: 'internal', url: 'http://b:2/', region: 'R2', enabled: false });
    expect((await api.call('PATCH', `/v3/endpoints/${e.id}`, { endpoint: { enabled: 'True' } })).status).toBe(400);
    expect((await api.call('PATCH', `/v3/endpoints/${e.id}`, { endpoint: { service_id: 'nope' } })).status).toBe(400);
    expect((await api.call('GET', `/v3/endpoints?service_id=${s2.id}`)).json['endpoints'].map((x: Json) => x.id)).toEqual([e.id]);
    expect((await api.call('GET', `/v3/endpoints?service_id=${s1.id}`)).json['endpoints']).toEqual([]);
    expect((await api.call('GET', '/v3/endpoints?interface=internal')).json['endpoints'].map((x: Json) => x.id)).toContain(e.id);
    expect((await api.call('GET', '/v3/endpoints?region_id=R2')).json['endpoints'].map((x: Json) => x.id)).toEqual([e.id]);
    expect((await api.call('DELETE', `/v3/endpoints/${e.id}`)).status).toBe(204);
    expect((await api.call('DELETE', `/v3/endpoints/${e.id}`)).status).toBe(404);
  });

  it('endpoint groups: CRUD, HEAD, and project associations', async () => {
    const s = await service();
    const e = (await endpoint({ service_id: s.id, interface: 'public', url: 'http://a:1/' })).json['endpoint'];
    const created = await api.call('POST', '/v3/OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'g', description: 'd', filters: { service_id: s.id } } });
    expect(created.status).toBe(201);
    const g = created.json['endpoint_group'];
    expect(g).toMatchObject({ name: 'g', description: 'd', filters: { service_id: s.id } });
    expect((await api.call('GET', '/v3/OS-EP-FILTER/endpoint_groups')).json['endpoint_groups']).toContainEqual(g);
    expect((await api.call('HEAD', `/v3/OS-EP-FILTER/endpoint_groups/${g.id}`)).status).toBe(200);
    expect((await api.call('POST', '/v3/OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'x', filters: {} } })).status).toBe(400);
    expect((await api.call('POST', '/v3/OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'x', filters: { colour: 'red' } } })).status).toBe(400);
    expect((await api.call('GET', `/v3/OS-EP-FILTER/endpoint_groups/${g.id}/endpoints`)).json['endpoints'].map((x: Json) => x.id)).toEqual([e.id]);

    const rows = new Rows(f);
    const projectId = await rows.project('default');
    const assoc = `/v3/OS-EP-FILTER/endpoint_groups/${g.id}/projects/${projectId}`;
    expect((await api.call('GET', assoc)).status).toBe(404);
    expect((await api.call('PUT', assoc)).status).toBe(204);
    expect((await api.call('GET', assoc)).json['project_endpoint_group']).toMatchObject({ endpoint_group_id: g.id, project_id: projectId });
    expect((await api.call('GET', `/v3/OS-EP-FILTER/endpoint_groups/${g.id}/projects`)).json['projects'].map((p: Json) => p.id)).toEqual([projectId]);
    expect((await api.call('GET', `/v3/OS-EP-FILTER/projects/${projectId}/endpoint_groups`)).json['endpoint_groups'].map((x: Json) => x.id)).toEqual([g.id]);
    expect((await api.call('GET', `/v3/OS-EP-FILTER/projects/${projectId}/endpoints`)).json['endpoints'].map((x: Json) => x.id)).toEqual([e.id]);

    const direct = `/v3/OS-EP-FILTER/projects/${projectId}/endpoints/${e.id}`;
    expect((await api.call('HEAD', direct)).status).toBe(404);
    expect((await api.call('PUT', direct)).status).toBe(204);
    expect((await api.call('HEAD', direct)).status).toBe(204);
    expect((await api.call('GET', `/v3/OS-EP-FILTER/endpoints/${e.id}/projects`)).json['projects'].map((p: Json) => p.id)).toEqual([projectId]);
    expect((await api.call('DELETE', direct)).status).toBe(204);

    const upd = await api.call('PATCH', `/v3/OS-EP-FILTER/endpoint_groups/${g.id}`, { endpoint_group: { name: 'g2', filters: { interface: 'admin' } } });
    expect(upd.json['endpoint_group']).toMatchObject({ name: 'g2', filters: { interface: 'admin' }, description: 'd' });
    expect((await api.call('DELETE', assoc)).status).toBe(204);
    expect((await api.call('DELETE', `/v3/OS-EP-FILTER/endpoint_groups/${g.id}`)).status).toBe(204);
    expect((await api.call('GET', `/v3/OS-EP-FILTER/endpoint_groups/${g.id}`)).status).toBe(404);
  });

  it('policies: CRUD with blob and type', async () => {
    const res = await api.call('POST', '/v3/policies', { policy: { blob: '{"a": "b"}', type: 'application/json' } });
    expect(res.status).toBe(201);
    const p = res.json['policy'];
    expect(p).toMatchObject({ blob: '{"a": "b"}', type: 'application/json' });
    expect((await api.call('GET', '/v3/policies')).json['policies']).toContainEqual(p);
    const upd = await api.call('PATCH', `/v3/policies/${p.id}`, { policy: { type: 'text/yaml' } });
    expect(upd.json['policy']).toMatchObject({ type: 'text/yaml', blob: '{"a": "b"}' });
    expect((await api.call('GET', '/v3/policies?type=text/yaml')).json['policies'].map((x: Json) => x.id)).toEqual([p.id]);
    expect((await api.call('POST', '/v3/policies', { policy: { type: 'x' } })).status).toBe(400);
    expect((await api.call('DELETE', `/v3/policies/${p.id}`)).status).toBe(204);
    expect((await api.call('GET', `/v3/policies/${p.id}`)).status).toBe(404);
  });

  it('regions: deleting a parent takes its children unless they hold endpoints', async () => {
    expect((await api.call('POST', '/v3/regions', { region: { id: 'top' } })).status).toBe(201);
    expect((await api.call('POST', '/v3/regions', { region: { id: 'leaf', parent_region_id: 'top' } })).status).toBe(201);
    const s = await service();
    const e = (await endpoint({ service_id: s.id, interface: 'public', url: 'http://a:1/', region_id: 'leaf' })).json['endpoint'];
    expect((await api.call('DELETE', '/v3/regions/top')).status).toBe(403);
    expect((await api.call('GET', '/v3/endpoints?region_id=top')).json['endpoints'].map((x: Json) => x.id)).toEqual([e.id]);
    await api.call('DELETE', `/v3/endpoints/${e.id}`);
    expect((await api.call('DELETE', '/v3/regions/top')).status).toBe(204);
    expect((await api.call('GET', '/v3/regions/leaf')).status).toBe(404);
  });
});
