import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placementCaller, placementError, placementFixture, type PlacementFixture } from '../test-support.js';

let f: PlacementFixture;
beforeAll(async () => { f = await placementFixture(); });
afterAll(async () => { await f.close(); });
const call = placementCaller(() => f);

async function provider(name: string, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await call('admin', 'POST', '/resource_providers', { name, ...extra });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('placement: versions and errors', () => {
  it('root: version document without a token, microversion headers', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.json().versions[0]).toMatchObject({ id: 'v1.0', min_version: '1.0', max_version: '1.39', status: 'CURRENT' });
    expect(res.headers['openstack-api-version']).toBe('placement 1.0');
    const latest = await f.app.inject({ method: 'GET', url: '/', headers: { 'openstack-api-version': 'placement latest' } });
    expect(latest.headers['openstack-api-version']).toBe('placement 1.39');
    expect(latest.headers['cache-control']).toBe('no-cache');
  });

  it('microversions: 406 outside the range, 400 for garbage, 404 for routes not yet there', async () => {
    const high = await call('admin', 'GET', '/resource_providers', undefined, '1.99');
    expect(high.statusCode).toBe(406);
    expect(placementError(high).detail).toContain('Unacceptable version header: 1.99');
    const bad = await call('admin', 'GET', '/resource_providers', undefined, 'x.y');
    expect(bad.statusCode).toBe(400);
    const early = await call('admin', 'GET', '/traits', undefined, '1.5');
    expect(early.statusCode).toBe(404);
    expect(placementError(early)).not.toHaveProperty('code');
  });

  it('auth: 401 without a token, 403 for non-admins with the policy message', async () => {
    const none = await f.app.inject({ method: 'GET', url: '/resource_providers' });
    expect(none.statusCode).toBe(401);
    const demo = await call('demo', 'GET', '/resource_providers');
    expect(demo.statusCode).toBe(403);
    expect(placementError(demo).detail).toContain('Policy does not allow placement:resource_providers:list to be performed.');
  });
});

describe('placement: resource providers', () => {
  it('create: 201 empty before 1.20, 200 with the provider after; duplicates 409', async () => {
    const old = await call('admin', 'POST', '/resource_providers', { name: 'old-style' }, '1.19');
    expect(old.statusCode).toBe(201);
    expect(old.body).toBe('');
    expect(old.headers.location).toMatch(/^\/resource_providers\/[0-9a-f-]{36}$/);
    const rp = await provider('rp-create');
    expect(rp).toMatchObject({ name: 'rp-create', generation: 0, parent_provider_uuid: null, root_provider_uuid: rp.uuid });
    expect(rp.links.map((l: { rel: string }) => l.rel)).toEqual(['self', 'inventories', 'usages', 'aggregates', 'traits', 'allocations']);
    const dup = await call('admin', 'POST', '/resource_providers', { name: 'rp-create' });
    expect(dup.statusCode).toBe(409);
    expect(placementError(dup).code).toBe('placement.duplicate_name');
    const dupUuid = await call('admin', 'POST', '/resource_providers', { name: 'other', uuid: rp.uuid });
    expect(placementError(dupUuid).detail).toContain(`uuid: ${rp.uuid}`);
    const extra = await call('admin', 'POST', '/resource_providers', { name: 'x', color: 'red' });
    expect(extra.statusCode).toBe(400);
    expect(placementError(extra).detail).toContain('JSON does not validate');
  });

  it('nested: parent, root, in_tree; re-parenting only from 1.37; no loops; parents cannot be deleted first', async () => {
    const root = await provider('tree-root');
    const child = await provider('tree-child', { parent_provider_uuid: root.uuid });
    const grandchild = await provider('tree-grandchild', { parent_provider_uuid: child.uuid });
    expect(grandchild).toMatchObject({ parent_provider_uuid: child.uuid, root_provider_uuid: root.uuid });
    const tree = await call('admin', 'GET', `/resource_providers?in_tree=${child.uuid}`);
    expect(tree.json().resource_providers.map((p: { name: string }) => p.name).sort()).toEqual(['tree-child', 'tree-grandchild', 'tree-root']);
    const noParent = await call('admin', 'POST', '/resource_providers', { name: 'orphan', parent_provider_uuid: randomUUID() });
    expect(noParent.statusCode).toBe(400);
    expect(placementError(noParent).detail).toContain('parent provider UUID does not exist.');

    const other = await provider('tree-other');
    const reparent = await call('admin', 'PUT', `/resource_providers/${child.uuid}`, { name: 'tree-child', parent_provider_uuid: other.uuid }, '1.36');
    expect(reparent.statusCode).toBe(400);
    expect(placementError(reparent).detail).toContain('re-parenting a provider is not currently allowed.');
    const loop = await call('admin', 'PUT', `/resource_providers/${root.uuid}`, { name: 'tree-root', parent_provider_uuid: grandchild.uuid }, '1.37');
    expect(placementError(loop).detail).toContain('creating loop in the provider tree is not allowed.');
    const moved = await call('admin', 'PUT', `/resource_providers/${child.uuid}`, { name: 'tree-child', parent_provider_uuid: other.uuid }, '1.37');
    expect(moved.statusCode, moved.body).toBe(200);
    const gc = await call('admin', 'GET', `/resource_providers/${grandchild.uuid}`);
    expect(gc.json().root_provider_uuid).toBe(other.uuid);

    const parentDelete = await call('admin', 'DELETE', `/resource_providers/${other.uuid}`);
    expect(parentDelete.statusCode).toBe(409);
    expect(placementError(parentDelete).code).toBe('placement.resource_provider.cannot_delete_parent');
    for (const uuid of [grandchild.uuid, child.uuid, other.uuid, root.uuid]) expect((await call('admin', 'DELETE', `/resource_providers/${uuid}`)).statusCode).toBe(204);
    const gone = await call('admin', 'GET', `/resource_providers/${root.uuid}`);
    expect(gone.statusCode).toBe(404);
    expect(placementError(gone).code).toBe('placement.resource_provider.not_found');
  });

  it('inventories: defaults, generations, reserved vs total, in-use refusal', async () => {
    const rp = await provider('inv-host');
    const put = await call('admin', 'PUT', `/resource_providers/${rp.uuid}/inventories`, {
      resource_provider_generation: 0,
      inventories: { VCPU: { total: 8, allocation_ratio: 16.0 }, MEMORY_MB: { total: 16384, reserved: 512 }, DISK_GB: { total: 100 } },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ resource_provider_generation: 1, inventories: { VCPU: { total: 8, reserved: 0, min_unit: 1, max_unit: 2147483647, step_size: 1, allocation_ratio: 16 } } });
    const stale = await call('admin', 'PUT', `/resource_providers/${rp.uuid}/inventories`, { resource_provider_generation: 0, inventories: {} });
    expect(stale.statusCode).toBe(409);
    expect(placementError(stale).code).toBe('placement.concurrent_update');
    const reserved = await call('admin', 'PUT', `/resource_providers/${rp.uuid}/inventories/DISK_GB`, { resource_provider_generation: 1, total: 10, reserved: 11 });
    expect(reserved.statusCode).toBe(400);
    expect(placementError(reserved).detail).toContain('The reserved value is greater than total.');
    const equal = await call('admin', 'PUT', `/resource_providers/${rp.uuid}/inventories/DISK_GB`, { resource_provider_generation: 1, total: 10, reserved: 10 }, '1.25');
    expect(placementError(equal).detail).toContain('greater than or equal to total');
    const unknown = await call('admin', 'POST', `/resource_providers/${rp.uuid}/inventories`, { resource_class: 'CUSTOM_NOPE', total: 1 });
    expect(unknown.statusCode).toBe(400);
    const one = await call('admin', 'GET', `/resource_providers/${rp.uuid}/inventories/MEMORY_MB`);
    expect(one.json()).toMatchObject({ total: 16384, reserved: 512, resource_provider_generation: 1 });

    const consumer = randomUUID();
    const alloc = await call('admin', 'PUT', `/allocations/${consumer}`, {
      allocations: { [rp.uuid]: { resources: { DISK_GB: 5 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE',
    });
    expect(alloc.statusCode, alloc.body).toBe(204);
    const drop = await call('admin', 'DELETE', `/resource_providers/${rp.uuid}/inventories/DISK_GB`);
    expect(drop.statusCode).toBe(409);
    expect(placementError(drop).code).toBe('placement.inventory.inuse');
    const usages = await call('admin', 'GET', `/resource_providers/${rp.uuid}/usages`);
    expect(usages.json()).toEqual({ usages: { DISK_GB: 5, MEMORY_MB: 0, VCPU: 0 }, resource_provider_generation: 2 });
    const held = await call('admin', 'DELETE', `/resource_providers/${rp.uuid}`);
    expect(held.statusCode).toBe(409);
    expect(placementError(held).code).toBe('placement.resource_provider.inuse');
    expect((await call('admin', 'DELETE', `/allocations/${consumer}`)).statusCode).toBe(204);
    expect((await call('admin', 'DELETE', `/resource_providers/${rp.uuid}/inventories`)).statusCode).toBe(204);
    expect((await call('admin', 'DELETE', `/resource_providers/${rp.uuid}`)).statusCode).toBe(204);
  });

  it('traits and aggregates: custom traits, generations, filters on the provider list', async () => {
    const a = await provider('ta-a');
    const b = await provider('ta-b');
    expect((await call('admin', 'PUT', '/traits/CUSTOM_GOLD')).statusCode).toBe(201);
    expect((await call('admin', 'PUT', '/traits/CUSTOM_GOLD')).statusCode).toBe(204);
    expect((await call('admin', 'PUT', '/traits/NOT_CUSTOM')).statusCode).toBe(400);
    const set = await call('admin', 'PUT', `/resource_providers/${a.uuid}/traits`, { traits: ['CUSTOM_GOLD', 'HW_CPU_X86_AVX2'], resource_provider_generation: 0 });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({ traits: ['CUSTOM_GOLD', 'HW_CPU_X86_AVX2'], resource_provider_generation: 1 });
    const unknownTrait = await call('admin', 'PUT', `/resource_providers/${b.uuid}/traits`, { traits: ['CUSTOM_MISSING'], resource_provider_generation: 0 });
    expect(unknownTrait.statusCode).toBe(400);
    expect(placementError(unknownTrait).detail).toContain('No such trait(s): CUSTOM_MISSING.');
    const inUse = await call('admin', 'DELETE', '/traits/CUSTOM_GOLD');
    expect(inUse.statusCode).toBe(409);
    const standard = await call('admin', 'DELETE', '/traits/HW_CPU_X86_AVX2');
    expect(standard.statusCode).toBe(400);
    const listed = await call('admin', 'GET', '/traits?name=startswith:CUSTOM_&associated=true');
    expect(listed.json().traits).toEqual(['CUSTOM_GOLD']);

    const agg = randomUUID();
    const oldAgg = await call('admin', 'PUT', `/resource_providers/${b.uuid}/aggregates`, [agg], '1.18');
    expect(oldAgg.json()).toEqual({ aggregates: [agg] });
    const newAgg = await call('admin', 'PUT', `/resource_providers/${a.uuid}/aggregates`, { aggregates: [agg], resource_provider_generation: 0 });
    expect(newAgg.statusCode).toBe(409);
    const ok = await call('admin', 'PUT', `/resource_providers/${a.uuid}/aggregates`, { aggregates: [agg], resource_provider_generation: 1 });
    expect(ok.json()).toEqual({ aggregates: [agg], resource_provider_generation: 2 });

    const withTrait = await call('admin', 'GET', '/resource_providers?required=CUSTOM_GOLD');
    expect(withTrait.json().resource_providers.map((p: { name: string }) => p.name)).toEqual(['ta-a']);
    const without = await call('admin', 'GET', `/resource_providers?required=!CUSTOM_GOLD&member_of=${agg}`);
    expect(without.json().resource_providers.map((p: { name: string }) => p.name)).toEqual(['ta-b']);
    const badTrait = await call('admin', 'GET', '/resource_providers?required=CUSTOM_NOPE');
    expect(badTrait.statusCode).toBe(400);
    const badParam = await call('admin', 'GET', '/resource_providers?colour=blue');
    expect(placementError(badParam).detail).toContain("('colour' was unexpected)");
  });

  it('resource classes: standard listed, custom created idempotently (1.7), in-use refusal', async () => {
    const list = await call('admin', 'GET', '/resource_classes');
    expect(list.json().resource_classes.slice(0, 3).map((c: { name: string }) => c.name)).toEqual(['VCPU', 'MEMORY_MB', 'DISK_GB']);
    expect((await call('admin', 'POST', '/resource_classes', { name: 'CUSTOM_FPGA_X' })).statusCode).toBe(201);
    const dup = await call('admin', 'POST', '/resource_classes', { name: 'CUSTOM_FPGA_X' });
    expect(dup.statusCode).toBe(409);
    expect((await call('admin', 'PUT', '/resource_classes/CUSTOM_FPGA_X')).statusCode).toBe(204);
    expect((await call('admin', 'PUT', '/resource_classes/CUSTOM_NEW_ONE')).statusCode).toBe(201);
    expect((await call('admin', 'GET', '/resource_classes/CUSTOM_NEW_ONE')).json()).toEqual({ name: 'CUSTOM_NEW_ONE', links: [{ rel: 'self', href: '/resource_classes/CUSTOM_NEW_ONE' }] });
    expect((await call('admin', 'DELETE', '/resource_classes/VCPU')).statusCode).toBe(400);
    const rp = await provider('rc-host');
    await call('admin', 'PUT', `/resource_providers/${rp.uuid}/inventories`, { resource_provider_generation: 0, inventories: { CUSTOM_FPGA_X: { total: 2 } } });
    expect((await call('admin', 'DELETE', '/resource_classes/CUSTOM_FPGA_X')).statusCode).toBe(409);
    expect((await call('admin', 'DELETE', '/resource_classes/CUSTOM_NEW_ONE')).statusCode).toBe(204);
    expect((await call('admin', 'GET', '/resource_classes/CUSTOM_NEW_ONE')).statusCode).toBe(404);
  });
});
