import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placementCaller, placementError, placementFixture, type PlacementFixture } from '../test-support.js';

let f: PlacementFixture;
beforeAll(async () => { f = await placementFixture(); });
afterAll(async () => { await f.close(); });
const call = placementCaller(() => f);
const V = '1.38';

async function provider(name: string, parent?: string): Promise<{ uuid: string; generation: number }> {
  const res = await call('admin', 'POST', '/resource_providers', { name, ...(parent ? { parent_provider_uuid: parent } : {}) }, V);
  expect(res.statusCode, res.body).toBe(200);
  return { uuid: res.json().uuid, generation: res.json().generation };
}

const generation = async (uuid: string): Promise<number> => (await call('admin', 'GET', `/resource_providers/${uuid}`, undefined, V)).json().generation;

describe('placement: reshaper', () => {
  it('moves a resource class with its allocation from a root to a child in one step; a stale generation changes nothing', async () => {
    const root = await provider('gpu-host');
    await call('admin', 'PUT', `/resource_providers/${root.uuid}/inventories`, { resource_provider_generation: 0, inventories: { VCPU: { total: 8 }, VGPU: { total: 4 } } }, V);
    const child = await provider('gpu-host-pgpu0', root.uuid);
    const vm = randomUUID();
    const put = await call('admin', 'PUT', `/allocations/${vm}`, {
      allocations: { [root.uuid]: { resources: { VCPU: 2, VGPU: 1 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE',
    }, V);
    expect(put.statusCode, put.body).toBe(204);
    // PUT of the root's inventory without VGPU is refused while it is in use...
    const inUse = await call('admin', 'PUT', `/resource_providers/${root.uuid}/inventories`, { resource_provider_generation: await generation(root.uuid), inventories: { VCPU: { total: 8 } } }, V);
    expect(inUse.statusCode).toBe(409);
    // ...but the reshaper moves inventory and allocation together.
    const body = (rootGen: number, childGen: number) => ({
      inventories: {
        [root.uuid]: { resource_provider_generation: rootGen, inventories: { VCPU: { total: 8 } } },
        [child.uuid]: { resource_provider_generation: childGen, inventories: { VGPU: { total: 4 } } },
      },
      allocations: {
        [vm]: { allocations: { [root.uuid]: { resources: { VCPU: 2 } }, [child.uuid]: { resources: { VGPU: 1 } } }, project_id: 'p', user_id: 'u', consumer_generation: 1, consumer_type: 'INSTANCE' },
      },
    });
    const stale = await call('admin', 'POST', '/reshaper', body(0, 0), V);
    expect(stale.statusCode).toBe(409);
    expect(placementError(stale).code).toBe('placement.concurrent_update');
    expect((await call('admin', 'GET', `/resource_providers/${root.uuid}/inventories`, undefined, V)).json().inventories).toHaveProperty('VGPU');

    const ok = await call('admin', 'POST', '/reshaper', body(await generation(root.uuid), await generation(child.uuid)), V);
    expect(ok.statusCode, ok.body).toBe(204);
    expect(Object.keys((await call('admin', 'GET', `/resource_providers/${root.uuid}/inventories`, undefined, V)).json().inventories)).toEqual(['VCPU']);
    expect((await call('admin', 'GET', `/allocations/${vm}`, undefined, V)).json().allocations).toMatchObject({
      [root.uuid]: { resources: { VCPU: 2 } }, [child.uuid]: { resources: { VGPU: 1 } },
    });
    expect((await call('admin', 'POST', '/reshaper', body(0, 0), '1.29')).statusCode).toBe(404);
    expect((await call('demo', 'POST', '/reshaper', body(0, 0), V)).statusCode).toBe(403);
  });

  it('refuses an end state where allocations outgrow the new inventory', async () => {
    const rp = await provider('shrinking');
    await call('admin', 'PUT', `/resource_providers/${rp.uuid}/inventories`, { resource_provider_generation: 0, inventories: { VCPU: { total: 8 } } }, V);
    const vm = randomUUID();
    await call('admin', 'PUT', `/allocations/${vm}`, { allocations: { [rp.uuid]: { resources: { VCPU: 6 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE' }, V);
    const res = await call('admin', 'POST', '/reshaper', {
      inventories: { [rp.uuid]: { resource_provider_generation: await generation(rp.uuid), inventories: { VCPU: { total: 4 } } } }, allocations: {},
    }, V);
    expect(res.statusCode).toBe(409);
    expect((await call('admin', 'GET', `/resource_providers/${rp.uuid}/inventories`, undefined, V)).json().inventories.VCPU.total).toBe(8);
  });
});
