import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placementFixture, type PlacementFixture } from '../test-support.js';
import type { PlacementClient } from './client.js';
import { HttpPlacementClient } from './http.js';
import { InProcessPlacementClient } from './in-process.js';

let f: PlacementFixture;
let url: string;

beforeAll(async () => {
  f = await placementFixture();
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => { await f.close(); });

// The same contract, both ways: what the scheduler and conductor rely on must not depend on where Placement runs.
const clients: Array<[string, () => PlacementClient]> = [
  ['in-process', () => new InProcessPlacementClient(f.svc)],
  ['http', () => new HttpPlacementClient(url, async () => 'admin')],
];

describe.each(clients)('placement client (%s)', (_name, make) => {
  it('registers a node, offers it as a candidate, claims, conflicts, moves and frees allocations', async () => {
    const client = make();
    const node = randomUUID();
    const aggregate = randomUUID();
    await client.ensureProvider(node, `node-${node.slice(0, 8)}`);
    await client.ensureProvider(node, `node-${node.slice(0, 8)}`);
    await client.setInventory(node, { VCPU: { total: 4, allocation_ratio: 1 }, MEMORY_MB: { total: 2048, reserved: 512 } });
    await client.setTraits(node, ['HW_CPU_X86_AVX2', 'CUSTOM_CONTRACT_FAST']);
    await client.setAggregates(node, [aggregate]);

    const found = await client.allocationCandidates({ resources: { VCPU: 2, MEMORY_MB: 1024 }, requiredTraits: ['CUSTOM_CONTRACT_FAST'], memberOf: [[aggregate]] });
    expect(found.requests).toEqual([{ [node]: { VCPU: 2, MEMORY_MB: 1024 } }]);
    expect(found.summaries[node]).toMatchObject({ resources: { VCPU: { capacity: 4, used: 0 }, MEMORY_MB: { capacity: 1536, used: 0 } }, rootProviderUuid: node });
    expect(found.summaries[node]!.traits).toEqual(expect.arrayContaining(['HW_CPU_X86_AVX2', 'CUSTOM_CONTRACT_FAST']));
    expect((await client.allocationCandidates({ resources: { VCPU: 1 }, forbiddenTraits: ['CUSTOM_CONTRACT_FAST'], inTree: node })).requests).toEqual([]);

    const [vm, big, migration] = [randomUUID(), randomUUID(), randomUUID()];
    const owner = { projectId: 'p-demo', userId: 'u-demo' };
    expect(await client.claim([{ consumer: vm, allocations: found.requests[0]!, ...owner, consumerGeneration: null }])).toEqual({ ok: true });
    const tooBig = await client.claim([{ consumer: big, allocations: { [node]: { VCPU: 3 } }, ...owner, consumerGeneration: null }]);
    expect(tooBig).toMatchObject({ ok: false, conflict: true });
    const held = await client.allocationsOf(vm);
    expect(held).toEqual({ allocations: { [node]: { VCPU: 2, MEMORY_MB: 1024 } }, generation: 1 });
    const stale = await client.claim([{ consumer: vm, allocations: {}, ...owner, consumerGeneration: 7 }]);
    expect(stale.ok).toBe(false);

    expect(await client.claim([
      { consumer: migration, allocations: held.allocations, ...owner, consumerGeneration: null, consumerType: 'MIGRATION' },
      { consumer: vm, allocations: {}, ...owner, consumerGeneration: held.generation },
    ])).toEqual({ ok: true });
    expect(await client.allocationsOf(vm)).toEqual({ allocations: {}, generation: null });
    expect((await client.allocationsOf(migration)).allocations).toEqual(held.allocations);
    await client.deleteAllocations(migration);
    await client.deleteAllocations(migration);
    expect((await client.allocationCandidates({ resources: { VCPU: 4 }, inTree: node })).requests).toHaveLength(1);
    await client.deleteProvider(node);
    await client.deleteProvider(node);
    expect((await client.allocationCandidates({ resources: { VCPU: 1 }, inTree: node })).requests).toEqual([]);
  });
});
