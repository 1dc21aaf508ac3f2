import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placementCaller, placementError, placementFixture, type PlacementFixture } from '../test-support.js';

let f: PlacementFixture;
beforeAll(async () => { f = await placementFixture(); });
afterAll(async () => { await f.close(); });
const call = placementCaller(() => f);

/** A compute-node-like provider with VCPU/MEMORY_MB/DISK_GB inventory. */
async function host(name: string, inv: { vcpu?: number; ram?: number; disk?: number; ratio?: number } = {}, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call('admin', 'POST', '/resource_providers', { name, ...extra });
  expect(res.statusCode, res.body).toBe(200);
  const uuid = res.json().uuid as string;
  const put = await call('admin', 'PUT', `/resource_providers/${uuid}/inventories`, {
    resource_provider_generation: 0,
    inventories: {
      VCPU: { total: inv.vcpu ?? 4, allocation_ratio: inv.ratio ?? 1 }, MEMORY_MB: { total: inv.ram ?? 4096 }, DISK_GB: { total: inv.disk ?? 100 },
    },
  });
  expect(put.statusCode, put.body).toBe(200);
  return uuid;
}

function claim(consumer: string, rp: string, resources: Record<string, number>, generation: number | null = null) {
  return call('admin', 'PUT', `/allocations/${consumer}`, {
    allocations: { [rp]: { resources } }, project_id: 'proj', user_id: 'user', consumer_generation: generation, consumer_type: 'INSTANCE',
  });
}

describe('placement: allocations', () => {
  it('claims, replaces and frees; consumer generations guard the writes', async () => {
    const rp = await host('alloc-1');
    const c = randomUUID();
    expect((await claim(c, rp, { VCPU: 2, MEMORY_MB: 1024 })).statusCode).toBe(204);
    const shown = await call('admin', 'GET', `/allocations/${c}`);
    expect(shown.json()).toEqual({
      allocations: { [rp]: { generation: 2, resources: { VCPU: 2, MEMORY_MB: 1024 } } },
      project_id: 'proj', user_id: 'user', consumer_generation: 1, consumer_type: 'INSTANCE',
    });
    const stale = await claim(c, rp, { VCPU: 1 }, null);
    expect(stale.statusCode).toBe(409);
    expect(placementError(stale)).toMatchObject({ code: 'placement.concurrent_update' });
    expect(placementError(stale).detail).toContain('consumer generation conflict - expected 1 but got null');
    expect((await claim(c, rp, { VCPU: 4 }, 1)).statusCode).toBe(204);
    const over = await claim(randomUUID(), rp, { VCPU: 1 });
    expect(over.statusCode).toBe(409);
    expect(placementError(over).detail).toContain('The requested amount would exceed the capacity.');
    const generation = (await call('admin', 'GET', `/resource_providers/${rp}`)).json().generation as number;
    await call('admin', 'PUT', `/resource_providers/${rp}/inventories/DISK_GB`, { total: 100, max_unit: 10, resource_provider_generation: generation });
    const units = await claim(randomUUID(), rp, { DISK_GB: 20 });
    expect(placementError(units).detail).toContain('would violate inventory constraints');
    const list = await call('admin', 'GET', `/resource_providers/${rp}/allocations`);
    expect(list.json().allocations).toEqual({ [c]: { resources: { VCPU: 4 } } });
    const usage = await call('admin', 'GET', '/usages?project_id=proj');
    expect(usage.json().usages).toEqual({ INSTANCE: { VCPU: 4, consumer_count: 1 } });
    const oldUsage = await call('admin', 'GET', '/usages?project_id=proj', undefined, '1.9');
    expect(oldUsage.json()).toEqual({ usages: { VCPU: 4 } });
    // 1.28: an empty allocation set removes the consumer's allocations.
    expect((await call('admin', 'PUT', `/allocations/${c}`, { allocations: {}, project_id: 'proj', user_id: 'user', consumer_generation: 2, consumer_type: 'INSTANCE' })).statusCode).toBe(204);
    expect((await call('admin', 'GET', `/allocations/${c}`)).json()).toEqual({ allocations: {} });
    const missing = await call('admin', 'DELETE', `/allocations/${c}`);
    expect(missing.statusCode).toBe(404);
    expect(placementError(missing).detail).toContain(`No allocations for consumer '${c}'`);
  });

  it('old formats: the list body before 1.12, project and user optional before 1.8', async () => {
    const rp = await host('alloc-old');
    const c = randomUUID();
    const put = await call('admin', 'PUT', `/allocations/${c}`, { allocations: [{ resource_provider: { uuid: rp }, resources: { VCPU: 1 } }] }, '1.7');
    expect(put.statusCode, put.body).toBe(204);
    const needIds = await call('admin', 'PUT', `/allocations/${c}`, { allocations: [{ resource_provider: { uuid: rp }, resources: { VCPU: 1 } }] }, '1.8');
    expect(needIds.statusCode).toBe(400);
    const noProvider = await call('admin', 'PUT', `/allocations/${randomUUID()}`, { allocations: { [randomUUID()]: { resources: { VCPU: 1 } } }, project_id: 'p', user_id: 'u' }, '1.12');
    expect(noProvider.statusCode).toBe(400);
    expect(placementError(noProvider).detail).toContain('that does not exist.');
  });

  it('POST /allocations moves resources between consumers atomically (a migration)', async () => {
    const src = await host('move-src', { vcpu: 2 });
    const dst = await host('move-dst', { vcpu: 2 });
    const instance = randomUUID();
    const migration = randomUUID();
    expect((await claim(instance, src, { VCPU: 2 })).statusCode).toBe(204);
    const move = await call('admin', 'POST', '/allocations', {
      [migration]: { allocations: { [src]: { resources: { VCPU: 2 } } }, project_id: 'proj', user_id: 'user', consumer_generation: null, consumer_type: 'MIGRATION' },
      [instance]: { allocations: { [dst]: { resources: { VCPU: 2 } } }, project_id: 'proj', user_id: 'user', consumer_generation: 1, consumer_type: 'INSTANCE' },
    });
    expect(move.statusCode, move.body).toBe(204);
    expect(Object.keys((await call('admin', 'GET', `/allocations/${instance}`)).json().allocations)).toEqual([dst]);
    expect(Object.keys((await call('admin', 'GET', `/allocations/${migration}`)).json().allocations)).toEqual([src]);
    // All or nothing: one consumer over capacity leaves the other unchanged.
    const bad = await call('admin', 'POST', '/allocations', {
      [migration]: { allocations: {}, project_id: 'proj', user_id: 'user', consumer_generation: 1, consumer_type: 'MIGRATION' },
      [randomUUID()]: { allocations: { [dst]: { resources: { VCPU: 1 } } }, project_id: 'proj', user_id: 'user', consumer_generation: null, consumer_type: 'INSTANCE' },
    });
    expect(bad.statusCode).toBe(409);
    expect(Object.keys((await call('admin', 'GET', `/allocations/${migration}`)).json().allocations)).toEqual([src]);
  });

  it('50 parallel claims against room for 10 leave exactly 10 allocations', async () => {
    const rp = await host('race', { vcpu: 10 });
    const results = await Promise.all(Array.from({ length: 50 }, () => claim(randomUUID(), rp, { VCPU: 1, MEMORY_MB: 64 })));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 204)).toHaveLength(10);
    expect(codes.filter((c) => c === 409)).toHaveLength(40);
    const usage = await call('admin', 'GET', `/resource_providers/${rp}/usages`);
    expect(usage.json().usages.VCPU).toBe(10);
  });
});

describe('placement: allocation candidates', () => {
  it('picks hosts with room, honours traits, member_of, limit and the old formats', async () => {
    const small = await host('ac-small', { vcpu: 1, ram: 512 });
    const big = await host('ac-big', { vcpu: 8, ram: 8192 });
    await call('admin', 'PUT', '/traits/CUSTOM_SSD');
    await call('admin', 'PUT', `/resource_providers/${big}/traits`, { traits: ['CUSTOM_SSD'], resource_provider_generation: 1 });
    const agg = randomUUID();
    await call('admin', 'PUT', `/resource_providers/${small}/aggregates`, { aggregates: [agg], resource_provider_generation: 1 });

    const res = await call('admin', 'GET', '/allocation_candidates?resources=VCPU:2,MEMORY_MB:1024');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const hosts = body.allocation_requests.map((r: { allocations: Record<string, unknown> }) => Object.keys(r.allocations)[0]);
    expect(hosts).toContain(big);
    expect(hosts).not.toContain(small);
    const mine = body.allocation_requests.find((r: { allocations: Record<string, unknown> }) => big in r.allocations);
    expect(mine).toEqual({ allocations: { [big]: { resources: { VCPU: 2, MEMORY_MB: 1024 } } }, mappings: { '': [big] } });
    expect(body.provider_summaries[big]).toEqual({
      resources: { VCPU: { capacity: 8, used: 0 }, MEMORY_MB: { capacity: 8192, used: 0 }, DISK_GB: { capacity: 100, used: 0 } },
      traits: ['CUSTOM_SSD'], parent_provider_uuid: null, root_provider_uuid: big,
    });

    const ssd = await call('admin', 'GET', '/allocation_candidates?resources=VCPU:1&required=CUSTOM_SSD');
    expect(Object.keys(ssd.json().provider_summaries)).toEqual([big]);
    const notSsd = await call('admin', 'GET', `/allocation_candidates?resources=VCPU:1&required=!CUSTOM_SSD&member_of=${agg}`);
    expect(Object.keys(notSsd.json().provider_summaries)).toEqual([small]);
    const limited = await call('admin', 'GET', '/allocation_candidates?resources=VCPU:1&limit=1');
    expect(limited.json().allocation_requests).toHaveLength(1);
    const old = await call('admin', 'GET', '/allocation_candidates?resources=VCPU:2', undefined, '1.10');
    const oldEntry = old.json().allocation_requests.find((r: { allocations: Array<{ resource_provider: { uuid: string } }> }) => r.allocations[0]!.resource_provider.uuid === big);
    expect(oldEntry).toEqual({ allocations: [{ resource_provider: { uuid: big }, resources: { VCPU: 2 } }] });
    expect(old.json().provider_summaries[big]).toEqual({ resources: { VCPU: { capacity: 8, used: 0 } } });

    const bad = await call('admin', 'GET', '/allocation_candidates?resources=VCPU:0');
    expect(bad.statusCode).toBe(400);
    const unknown = await call('admin', 'GET', '/allocation_candidates?resources=CUSTOM_NOPE:1');
    expect(placementError(unknown).detail).toContain('No such resource class CUSTOM_NOPE');
    const none = await call('admin', 'GET', '/allocation_candidates?limit=2');
    expect(none.statusCode).toBe(400);
  });

  it('nested trees: resources from a child, granular groups with group_policy, same_subtree', async () => {
    const root = await host('nest-root', { vcpu: 4 });
    const mk = async (name: string, parent: string, inv: Record<string, unknown>): Promise<string> => {
      const r = await call('admin', 'POST', '/resource_providers', { name, parent_provider_uuid: parent });
      const uuid = r.json().uuid as string;
      await call('admin', 'PUT', `/resource_providers/${uuid}/inventories`, { resource_provider_generation: 0, inventories: inv });
      return uuid;
    };
    const gpu1 = await mk('nest-gpu1', root, { VGPU: { total: 1 } });
    const gpu2 = await mk('nest-gpu2', root, { VGPU: { total: 1 } });

    const spread = await call('admin', 'GET', '/allocation_candidates?resources=VCPU:1,VGPU:1');
    const inTree = spread.json().allocation_requests.filter((r: { allocations: Record<string, unknown> }) => root in r.allocations);
    expect(inTree).toHaveLength(2);
    expect(Object.keys(spread.json().provider_summaries)).toEqual(expect.arrayContaining([root, gpu1, gpu2]));
    const before = await call('admin', 'GET', '/allocation_candidates?resources=VCPU:1,VGPU:1', undefined, '1.28');
    expect(before.json().allocation_requests.filter((r: { allocations: Record<string, unknown> }) => root in r.allocations)).toHaveLength(0);

    const two = await call('admin', 'GET', `/allocation_candidates?resources=VCPU:1&resources1=VGPU:1&resources2=VGPU:1&group_policy=isolate&in_tree=${root}`);
    expect(two.statusCode, two.body).toBe(200);
    const reqs = two.json().allocation_requests;
    expect(reqs.length).toBeGreaterThan(0);
    for (const r of reqs) expect(r.mappings['1'][0]).not.toBe(r.mappings['2'][0]);
    const needPolicy = await call('admin', 'GET', '/allocation_candidates?resources1=VGPU:1&resources2=VGPU:1');
    expect(placementError(needPolicy).detail).toContain('"group_policy" parameter is required');
    const tooMany = await call('admin', 'GET', `/allocation_candidates?resources1=VGPU:1&resources2=VGPU:1&resources3=VGPU:1&group_policy=isolate&in_tree1=${root}`);
    expect(tooMany.json().allocation_requests.filter((r: { allocations: Record<string, unknown> }) => gpu1 in r.allocations)).toHaveLength(0);
    const subtree = await call('admin', 'GET', '/allocation_candidates?resources_A=VGPU:1&resources_B=VCPU:1&group_policy=none&same_subtree=_A,_B');
    const pairs = subtree.json().allocation_requests.filter((r: { mappings: Record<string, string[]> }) => r.mappings._B![0] === root);
    // The VGPU children sit below the VCPU root, so root + either child is one subtree.
    expect(pairs.length).toBeGreaterThan(0);
    // Two sibling GPUs are not one subtree: neither is above the other.
    const siblings = await call('admin', 'GET', `/allocation_candidates?resources_A=VGPU:1&resources_C=VGPU:1&group_policy=isolate&same_subtree=_A,_C&in_tree_A=${root}`);
    expect(siblings.json().allocation_requests).toEqual([]);
  });
});
