import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCaller, computeFixture, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
let imageId: string;
const call = computeCaller(() => f);

beforeAll(async () => {
  f = await computeFixture({ hosts: ['host-1', 'host-2', 'host-3'] });
  const headers = { 'x-auth-token': 'admin', 'content-type': 'application/json' };
  const image = await (await fetch(`${f.imageUrl}/v2/images`, { method: 'POST', headers, body: JSON.stringify({ name: 'img', disk_format: 'raw', container_format: 'bare', visibility: 'public' }) })).json() as { id: string };
  await fetch(`${f.imageUrl}/v2/images/${image.id}/file`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: new Blob([new Uint8Array(16)]) });
  imageId = image.id;
}, 60_000);
afterAll(async () => { await f.close(); });

async function flavor(name: string, specs: Record<string, string> = {}): Promise<string> {
  const id = (await call('admin', 'POST', '/v2.1/flavors', { flavor: { name, ram: 64, vcpus: 1, disk: 0 } })).json().flavor.id as string;
  if (Object.keys(specs).length) await call('admin', 'POST', `/v2.1/flavors/${id}/os-extra_specs`, { extra_specs: specs });
  return id;
}

async function bootAndWait(body: Record<string, unknown>, hints?: Record<string, unknown>): Promise<{ status: string; host: string | null; id: string }> {
  const res = await call('demo', 'POST', '/v2.1/servers', { server: { imageRef: imageId, networks: 'none', ...body }, ...(hints ? { 'os:scheduler_hints': hints } : {}) }, '2.37');
  expect(res.statusCode, res.body).toBe(202);
  const id = res.json().server.id as string;
  for (let i = 0; i < 200; i++) {
    const s = (await call('admin', 'GET', `/v2.1/servers/${id}`)).json().server;
    if (s.status === 'ACTIVE' || s.status === 'ERROR') return { status: s.status, host: s['OS-EXT-SRV-ATTR:host'], id };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`server ${id} never settled`);
}

describe('compute: scheduling', () => {
  it('anti-affinity groups never share a host; affinity keeps members together', async () => {
    const tiny = await flavor('sched.tiny');
    const anti = (await call('demo', 'POST', '/v2.1/os-server-groups', { server_group: { name: 'spread', policies: ['anti-affinity'] } })).json().server_group;
    expect(anti).toMatchObject({ name: 'spread', policies: ['anti-affinity'], members: [] });
    const placed = await Promise.all([1, 2, 3].map((i) => bootAndWait({ name: `a${i}`, flavorRef: tiny }, { group: anti.id })));
    expect(placed.map((p) => p.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    expect(new Set(placed.map((p) => p.host)).size).toBe(3);
    const fourth = await bootAndWait({ name: 'a4', flavorRef: tiny }, { group: anti.id });
    expect(fourth.status).toBe('ERROR');
    const shown = (await call('demo', 'GET', `/v2.1/os-server-groups/${anti.id}`)).json().server_group;
    expect(shown.members.sort()).toEqual([...placed.map((p) => p.id), fourth.id].sort());

    const together = (await call('demo', 'POST', '/v2.1/os-server-groups', { server_group: { name: 'pack', policy: 'affinity' } }, '2.64')).json().server_group;
    const first = await bootAndWait({ name: 'b1', flavorRef: tiny }, { group: together.id });
    const second = await bootAndWait({ name: 'b2', flavorRef: tiny }, { group: together.id });
    expect(second.host).toBe(first.host);
    for (const s of [...placed, fourth, first, second]) await call('demo', 'DELETE', `/v2.1/servers/${s.id}`);
  });

  it('aggregates: metadata matches flavor extra specs, availability zones come from aggregates', async () => {
    const agg = (await call('admin', 'POST', '/v2.1/os-aggregates', { aggregate: { name: 'fast', availability_zone: 'az-fast' } })).json().aggregate;
    expect(agg).toMatchObject({ name: 'fast', availability_zone: 'az-fast', deleted: false });
    await call('admin', 'POST', `/v2.1/os-aggregates/${agg.id}/action`, { add_host: { host: 'host-2' } });
    const withMeta = (await call('admin', 'POST', `/v2.1/os-aggregates/${agg.id}/action`, { set_metadata: { metadata: { ssd: 'true' } } })).json().aggregate;
    expect(withMeta).toMatchObject({ hosts: ['host-2'], metadata: { ssd: 'true', availability_zone: 'az-fast' } });
    const ssd = await flavor('sched.ssd', { ssd: 'true' });
    for (let i = 0; i < 3; i++) expect((await bootAndWait({ name: `ssd${i}`, flavorRef: ssd })).host).toBe('host-2');
    const zones = (await call('demo', 'GET', '/v2.1/os-availability-zone')).json().availabilityZoneInfo.map((z: { zoneName: string }) => z.zoneName).sort();
    expect(zones).toEqual(['az-fast', 'nova']);
    const tiny = await flavor('sched.tiny2');
    expect((await bootAndWait({ name: 'z1', flavorRef: tiny, availability_zone: 'az-fast' })).host).toBe('host-2');
    const services = (await call('admin', 'GET', '/v2.1/os-services?binary=nova-compute')).json().services;
    expect(services.find((s: { host: string }) => s.host === 'host-2').zone).toBe('az-fast');
    const busy = await call('admin', 'DELETE', `/v2.1/os-aggregates/${agg.id}`);
    expect(busy.statusCode).toBe(400);
  });

  it('JsonFilter: a query hint picks hosts by their facts; an unreadable query fits none', async () => {
    const tiny = await flavor('sched.json');
    const onlyThree = await bootAndWait({ name: 'j1', flavorRef: tiny }, { query: JSON.stringify(['=', '$host', 'host-3']) });
    expect(onlyThree).toMatchObject({ status: 'ACTIVE', host: 'host-3' });
    const notOne = await bootAndWait({ name: 'j2', flavorRef: tiny }, { query: ['not', ['in', '$host', 'host-1', 'host-3']] });
    expect(notOne.host).toBe('host-2');
    expect((await bootAndWait({ name: 'j3', flavorRef: tiny }, { query: '["~", "$host"]' })).status).toBe('ERROR');
    for (const s of [onlyThree, notOne]) await call('demo', 'DELETE', `/v2.1/servers/${s.id}`);
  });

  it('BuildFailureWeigher: after a failed build a host is tried last', async () => {
    await f.svc.db.updateTable('compute_nodes').set({ failed_builds: 0 }).execute();
    await f.svc.db.updateTable('compute_nodes').set({ failed_builds: 2 }).where('host', 'in', ['host-1', 'host-2']).execute();
    const tiny = await flavor('sched.weigh');
    const placed = await bootAndWait({ name: 'w1', flavorRef: tiny });
    expect(placed.host).toBe('host-3');
    const node = await f.svc.db.selectFrom('compute_nodes').select('failed_builds').where('host', '=', 'host-3').executeTakeFirstOrThrow();
    expect(node.failed_builds).toBe(0);
    await f.svc.db.updateTable('compute_nodes').set({ failed_builds: 0 }).execute();
    await call('demo', 'DELETE', `/v2.1/servers/${placed.id}`);
  });
});
