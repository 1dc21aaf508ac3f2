import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootBasics, bootServer, makeFlavor, computeCaller, computeFixture, novaFault, waitForServer, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
let imageId: string;
let networkId: string;
let small: string;
let large: string;
const call = computeCaller(() => f);

beforeAll(async () => {
  f = await computeFixture({ hosts: ['host-1', 'host-2'] });
  ({ imageId, networkId } = await bootBasics(f, '10.7.0.0/24'));
  small = await makeFlavor(call, 'mv.small', { ram: 512, vcpus: 1, disk: 1 });
  large = await makeFlavor(call, 'mv.large', { ram: 1024, vcpus: 2, disk: 2 });
}, 60_000);
afterAll(async () => { await f.close(); });

const bootActive = (name: string): Promise<any> => bootServer(call, { imageId, networkId, flavorId: small }, name);

/** The Placement usage of a consumer, by resource class and provider name. */
async function held(consumer: string): Promise<Record<string, number>> {
  const rows = await f.placement.db.selectFrom('allocations').innerJoin('resource_providers', 'resource_providers.uuid', 'allocations.provider_uuid')
    .select(['resource_providers.name', 'allocations.resource_class', 'allocations.used']).where('consumer_uuid', '=', consumer).execute();
  return Object.fromEntries(rows.map((r) => [`${r.name}:${r.resource_class}`, r.used]));
}

const action = (id: string, body: unknown, who: 'demo' | 'admin' = 'demo', version = '2.1') => call(who, 'POST', `/v2.1/servers/${id}/action`, body, version);

describe('compute: resize, confirm, revert, cold migration', () => {
  it('resize waits in VERIFY_RESIZE holding both sizes; confirm keeps the new one and frees the old', async () => {
    const s = await bootActive('grow');
    expect(s.status).toBe('ACTIVE');
    const res = await action(s.id, { resize: { flavorRef: large } });
    expect(res.statusCode, res.body).toBe(202);
    const resized = await waitForServer(call, s.id, ['VERIFY_RESIZE', 'ACTIVE', 'ERROR'], 'demo');
    expect(resized.status).toBe('VERIFY_RESIZE');
    expect(resized.flavor).toMatchObject({ vcpus: 2, ram: 1024, original_name: 'mv.large' });
    const migrations = (await call('admin', 'GET', `/v2.1/os-migrations?instance_uuid=${s.id}`, undefined, '2.59')).json().migrations;
    expect(migrations).toHaveLength(1);
    expect(migrations[0]).toMatchObject({ status: 'finished', migration_type: 'resize', instance_uuid: s.id });
    const m = migrations[0];
    // The instance holds the new size on the destination, the migration the old one on the source.
    expect(Object.values(await held(s.id)).sort()).toEqual([1024, 2, 2].sort());
    expect(Object.values(await held(m.uuid)).sort()).toEqual([1, 1, 512].sort());
    expect((await call('demo', 'GET', '/v2.1/os-migrations')).statusCode).toBe(403);

    expect((await action(s.id, { confirmResize: null })).statusCode).toBe(204);
    const confirmed = await waitForServer(call, s.id, ['ACTIVE', 'ERROR'], 'demo');
    expect(confirmed.flavor.original_name).toBe('mv.large');
    expect(await held(m.uuid)).toEqual({});
    const after = (await call('admin', 'GET', `/v2.1/os-migrations?instance_uuid=${s.id}`)).json().migrations[0];
    expect(after.status).toBe('confirmed');
    const again = await action(s.id, { confirmResize: null });
    expect(again.statusCode).toBe(409);
    expect(novaFault(again).message).toContain("while it is in vm_state active");
  });

  it('revert brings back the old flavor, host and allocation', async () => {
    const s = await bootActive('shrink-back');
    const before = (await call('admin', 'GET', `/v2.1/servers/${s.id}`)).json().server['OS-EXT-SRV-ATTR:host'];
    expect((await action(s.id, { resize: { flavorRef: large } })).statusCode).toBe(202);
    await waitForServer(call, s.id, ['VERIFY_RESIZE'], 'demo');
    expect((await action(s.id, { revertResize: null })).statusCode).toBe(202);
    const reverted = await waitForServer(call, s.id, ['ACTIVE'], 'admin');
    expect(reverted.flavor.original_name).toBe('mv.small');
    expect(reverted['OS-EXT-SRV-ATTR:host']).toBe(before);
    expect(Object.values(await held(s.id)).sort()).toEqual([1, 1, 512].sort());
    const m = (await call('admin', 'GET', `/v2.1/os-migrations?instance_uuid=${s.id}`)).json().migrations[0];
    expect(m.status).toBe('reverted');
    expect(await held(m.uuid ?? '')).toEqual({});
  });

  it('refuses the same flavor, an unknown one, and a resize over the cores quota', async () => {
    const s = await bootActive('picky');
    const same = await action(s.id, { resize: { flavorRef: small } });
    expect(same.statusCode).toBe(400);
    expect(novaFault(same).message).toBe('When resizing, instances must change flavor!');
    expect((await action(s.id, { resize: { flavorRef: 'nope' } })).statusCode).toBe(400);
    await call('admin', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { cores: 1, force: true } });
    try {
      const over = await action(s.id, { resize: { flavorRef: large } });
      expect(over.statusCode).toBe(403);
      expect(novaFault(over).message).toMatch(/^Quota exceeded for cores: Requested 1, but already used \d+ of 1 cores$/);
    } finally {
      await call('admin', 'DELETE', '/v2.1/os-quota-sets/p-demo');
    }
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}`)).json().server.status).toBe('ACTIVE');
  });

  it('a resize with no valid host leaves the server ACTIVE at its own size in the quota usage', async () => {
    const s = await bootActive('too-big');
    const huge = await makeFlavor(call, 'mv.huge', { ram: 40_000, vcpus: 1, disk: 1 });
    const before = (await call('admin', 'GET', '/v2.1/os-quota-sets/p-demo/detail')).json().quota_set.ram.in_use;
    expect((await action(s.id, { resize: { flavorRef: huge } })).statusCode).toBe(202);
    const after = await waitForServer(call, s.id, ['ACTIVE', 'ERROR'], 'admin');
    expect(after).toMatchObject({ status: 'ACTIVE', flavor: { original_name: 'mv.small' } });
    expect((await call('admin', 'GET', '/v2.1/os-quota-sets/p-demo/detail')).json().quota_set.ram.in_use).toBe(before);
    const m = (await call('admin', 'GET', `/v2.1/os-migrations?instance_uuid=${s.id}`)).json().migrations[0];
    expect(m.status).toBe('error');
    expect(Object.values(await held(s.id)).sort()).toEqual([1, 1, 512].sort());
  });

  it('cold migration (admin) moves to the other host and confirms; deleting a resized server frees both hosts', async () => {
    const s = await bootActive('mover');
    const source = (await call('admin', 'GET', `/v2.1/servers/${s.id}`)).json().server['OS-EXT-SRV-ATTR:host'];
    expect((await action(s.id, { migrate: null })).statusCode).toBe(403);
    expect((await action(s.id, { migrate: null }, 'admin')).statusCode).toBe(202);
    const moved = await waitForServer(call, s.id, ['VERIFY_RESIZE', 'ERROR'], 'admin');
    expect(moved.status).toBe('VERIFY_RESIZE');
    expect(moved['OS-EXT-SRV-ATTR:host']).not.toBe(source);
    const port = (await (await fetch(`${f.networkUrl}/v2.0/ports?device_id=${s.id}`, { headers: { 'x-auth-token': 'admin' } })).json() as any).ports[0];
    expect(port['binding:host_id']).toBe(moved['OS-EXT-SRV-ATTR:host']);
    const m = (await call('admin', 'GET', `/v2.1/os-migrations?instance_uuid=${s.id}`, undefined, '2.59')).json().migrations[0];
    expect(m).toMatchObject({ migration_type: 'migration', source_compute: source, dest_compute: moved['OS-EXT-SRV-ATTR:host'], status: 'finished' });

    expect((await call('demo', 'DELETE', `/v2.1/servers/${s.id}`)).statusCode).toBe(204);
    await waitForServer(call, s.id, ['DELETED'], 'admin');
    expect(await held(s.id)).toEqual({});
    expect(await held(m.uuid)).toEqual({});
  });
});

describe('compute: shelve, offload, unshelve', () => {
  it('shelve makes <name>-shelved, offloads at once (no host, no claim, ports unbound); unshelve boots it again and deletes the image', async () => {
    const s = await bootActive('sleeper');
    expect((await action(s.id, { shelve: null })).statusCode).toBe(202);
    const shelved = await waitForServer(call, s.id, ['SHELVED_OFFLOADED', 'ERROR'], 'admin');
    expect(shelved.status).toBe('SHELVED_OFFLOADED');
    expect(shelved['OS-EXT-SRV-ATTR:host']).toBeNull();
    expect(await held(s.id)).toEqual({});
    const images = (await (await fetch(`${f.imageUrl}/v2/images?name=sleeper-shelved`, { headers: { 'x-auth-token': 'demo' } })).json() as any).images;
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({ status: 'active', instance_uuid: s.id, owner: 'p-demo' });
    const port = (await (await fetch(`${f.networkUrl}/v2.0/ports?device_id=${s.id}`, { headers: { 'x-auth-token': 'admin' } })).json() as any).ports[0];
    expect(port['binding:host_id']).toBe('');
    const pause = await action(s.id, { pause: null });
    expect(pause.statusCode).toBe(409);

    const zoned = await action(s.id, { unshelve: { availability_zone: 'nowhere' } }, 'demo', '2.77');
    expect(zoned.statusCode).toBe(400);
    expect((await action(s.id, { unshelve: null })).statusCode).toBe(202);
    const back = await waitForServer(call, s.id, ['ACTIVE', 'ERROR'], 'admin');
    expect(back.status).toBe('ACTIVE');
    expect(Object.values(await held(s.id)).sort()).toEqual([1, 1, 512].sort());
    const after = await fetch(`${f.imageUrl}/v2/images/${images[0].id}`, { headers: { 'x-auth-token': 'demo' } });
    expect(after.status).toBe(404);
    const rebound = (await (await fetch(`${f.networkUrl}/v2.0/ports?device_id=${s.id}`, { headers: { 'x-auth-token': 'admin' } })).json() as any).ports[0];
    expect(rebound['binding:host_id']).toBe(back['OS-EXT-SRV-ATTR:host']);
    const actions = (await call('demo', 'GET', `/v2.1/servers/${s.id}/os-instance-actions`)).json().instanceActions.map((a: any) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['create', 'shelve', 'unshelve']));
  });
});

describe('compute: live migration', () => {
  it('moves a running server to the other host (ports follow, source hold ends); forcing needs a host; the same host is refused', async () => {
    const s = await bootActive('runner');
    const source = (await call('admin', 'GET', `/v2.1/servers/${s.id}`)).json().server['OS-EXT-SRV-ATTR:host'];
    const other = source === 'host-1' ? 'host-2' : 'host-1';
    const same = await action(s.id, { 'os-migrateLive': { host: source, block_migration: 'auto' } }, 'admin', '2.30');
    expect(same.statusCode).toBe(400);
    const forced = await action(s.id, { 'os-migrateLive': { host: null, block_migration: 'auto', force: true } }, 'admin', '2.30');
    expect(novaFault(forced).message).toBe("Can't force to a non-provided destination");
    expect((await action(s.id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, 'demo', '2.30')).statusCode).toBe(403);
    const res = await action(s.id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, 'admin', '2.30');
    expect(res.statusCode, res.body).toBe(202);
    const moved = await waitForServer(call, s.id, ['ACTIVE', 'ERROR'], 'admin');
    expect(moved).toMatchObject({ status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': other, 'OS-EXT-STS:power_state': 1 });
    const m = (await call('admin', 'GET', `/v2.1/os-migrations?migration_type=live-migration&instance_uuid=${s.id}`, undefined, '2.59')).json().migrations[0];
    expect(m).toMatchObject({ status: 'completed', source_compute: source, dest_compute: other });
    expect(await held(m.uuid)).toEqual({});
    expect(Object.keys(await held(s.id)).every((k) => k.startsWith(`${other}:`))).toBe(true);
    const port = (await (await fetch(`${f.networkUrl}/v2.0/ports?device_id=${s.id}`, { headers: { 'x-auth-token': 'admin' } })).json() as any).ports[0];
    expect(port['binding:host_id']).toBe(other);
    const log = (await action(s.id, { 'os-getConsoleOutput': {} })).json().output;
    expect(log).toContain(`guest resumed on ${other} after live migration`);
  });

  it('before 2.34 a migration with no valid host is a 400 and the server stays put', async () => {
    const s = await bootActive('stuck');
    const here = (await call('admin', 'GET', `/v2.1/servers/${s.id}`)).json().server['OS-EXT-SRV-ATTR:host'];
    const other = here === 'host-1' ? 'host-2' : 'host-1';
    await call('admin', 'PUT', '/v2.1/os-services/disable', { host: other, binary: 'nova-compute' });
    try {
      const res = await action(s.id, { 'os-migrateLive': { host: null, block_migration: false, disk_over_commit: false } }, 'admin', '2.1');
      expect(res.statusCode, res.body).toBe(400);
      expect(novaFault(res).message).toMatch(/^No valid host was found/);
    } finally {
      await call('admin', 'PUT', '/v2.1/os-services/enable', { host: other, binary: 'nova-compute' });
    }
    const after = await waitForServer(call, s.id, ['ACTIVE'], 'admin');
    expect(after['OS-EXT-SRV-ATTR:host']).toBe(here);
    expect(Object.values(await held(s.id)).sort()).toEqual([1, 1, 512].sort());
  });
});

describe('compute: evacuate', () => {
  it('refuses while the host is up; once it is forced down rebuilds elsewhere; the failed host cleans up when it returns', async () => {
    const s = await bootActive('refugee');
    const source = (await call('admin', 'GET', `/v2.1/servers/${s.id}`)).json().server['OS-EXT-SRV-ATTR:host'];
    const other = source === 'host-1' ? 'host-2' : 'host-1';
    const busy = await action(s.id, { evacuate: {} }, 'admin', '2.29');
    expect(busy.statusCode).toBe(400);
    expect(novaFault(busy).message).toBe(`Compute service of ${source} is still in use.`);
    expect((await call('admin', 'PUT', '/v2.1/os-services/force-down', { host: source, binary: 'nova-compute', forced_down: true }, '2.11')).statusCode).toBe(200);
    try {
      expect((await action(s.id, { evacuate: { host: source } }, 'admin', '2.29')).statusCode).toBe(400);
      const res = await action(s.id, { evacuate: {} }, 'admin', '2.29');
      expect(res.statusCode, res.body).toBe(200);
      const moved = await waitForServer(call, s.id, ['ACTIVE', 'ERROR'], 'admin');
      expect(moved).toMatchObject({ status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': other });
      const m = (await call('admin', 'GET', `/v2.1/os-migrations?migration_type=evacuation&instance_uuid=${s.id}`, undefined, '2.59')).json().migrations[0];
      expect(m).toMatchObject({ status: 'done', source_compute: source, dest_compute: other });
      // The failed host's share stays held until that host comes back and cleans up.
      expect(Object.keys(await held(m.uuid)).every((k) => k.startsWith(`${source}:`))).toBe(true);
      const returning = f.agents.find((a) => a.host === source)!;
      await returning.stop();
      await returning.start();
      expect(await held(m.uuid)).toEqual({});
      expect((await call('admin', 'GET', `/v2.1/os-migrations?instance_uuid=${s.id}`, undefined, '2.59')).json().migrations[0].status).toBe('completed');
      expect(await returning.driver.listInstances()).not.toContain(s.id);
    } finally {
      await call('admin', 'PUT', '/v2.1/os-services/force-down', { host: source, binary: 'nova-compute', forced_down: false }, '2.11');
    }
  });
});
