import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placementCaller, placementFixture, type PlacementFixture } from '../test-support.js';

let f: PlacementFixture;
beforeAll(async () => { f = await placementFixture(); });
afterAll(async () => { await f.close(); });
const call = placementCaller(() => f);

async function provider(name: string, inventories: Record<string, { total: number }>, aggregates: string[], traits: string[] = []): Promise<string> {
  const uuid = (await call('admin', 'POST', '/resource_providers', { name })).json().uuid as string;
  let generation = (await call('admin', 'PUT', `/resource_providers/${uuid}/inventories`, { resource_provider_generation: 0, inventories })).json().resource_provider_generation;
  if (aggregates.length) generation = (await call('admin', 'PUT', `/resource_providers/${uuid}/aggregates`, { aggregates, resource_provider_generation: generation })).json().resource_provider_generation;
  if (traits.length) await call('admin', 'PUT', `/resource_providers/${uuid}/traits`, { traits, resource_provider_generation: generation });
  return uuid;
}

describe('placement: sharing providers', () => {
  it('a MISC_SHARES_VIA_AGGREGATE provider lends its disk to the compute nodes of its aggregate, and only to them', async () => {
    const agg = randomUUID();
    const inAgg = await provider('cn-shared', { VCPU: { total: 8 }, MEMORY_MB: { total: 4096 } }, [agg]);
    const outside = await provider('cn-alone', { VCPU: { total: 8 }, MEMORY_MB: { total: 4096 } }, []);
    const storage = await provider('shared-storage', { DISK_GB: { total: 1000 } }, [agg], ['MISC_SHARES_VIA_AGGREGATE']);

    const res = await call('admin', 'GET', '/allocation_candidates?resources=VCPU:1,MEMORY_MB:512,DISK_GB:100');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.allocation_requests).toEqual([{
      allocations: { [inAgg]: { resources: { VCPU: 1, MEMORY_MB: 512 } }, [storage]: { resources: { DISK_GB: 100 } } }, mappings: { '': expect.arrayContaining([inAgg, storage]) },
    }]);
    expect(Object.keys(body.provider_summaries)).toEqual(expect.arrayContaining([inAgg, storage]));
    expect(Object.keys(body.provider_summaries)).not.toContain(outside);

    // Disk alone comes from the sharing provider once, not once per node it is lent to.
    const diskOnly = (await call('admin', 'GET', '/allocation_candidates?resources=DISK_GB:10')).json().allocation_requests;
    expect(diskOnly).toEqual([{ allocations: { [storage]: { resources: { DISK_GB: 10 } } }, mappings: { '': [storage] } }]);

    // A claim on both is held against the shared disk too.
    const vm = randomUUID();
    const claim = await call('admin', 'PUT', `/allocations/${vm}`, { allocations: body.allocation_requests[0].allocations, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE' });
    expect(claim.statusCode, claim.body).toBe(204);
    const after = (await call('admin', 'GET', '/allocation_candidates?resources=VCPU:1,MEMORY_MB:512,DISK_GB:901')).json().allocation_requests;
    expect(after).toEqual([]);
  });
});
