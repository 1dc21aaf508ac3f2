import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootBasics, bootServer, makeFlavor, computeCaller, computeFixture, waitForServer, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
let imageId: string;
let networkId: string;
let small: string;
let large: string;
const call = computeCaller(() => f);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  f = await computeFixture({ hosts: ['host-1'], settings: { resizeConfirmWindow: 1, shelvedOffloadTime: 1 } });
  ({ imageId, networkId } = await bootBasics(f, '10.6.0.0/24'));
  small = await makeFlavor(call, 'p.small', { ram: 256, vcpus: 1, disk: 1 });
  large = await makeFlavor(call, 'p.large', { ram: 512, vcpus: 1, disk: 1 });
}, 60_000);
afterAll(async () => { await f.close(); });

const bootActive = (name: string): Promise<any> => bootServer(call, { imageId, networkId, flavorId: small }, name);

describe('compute: periodic tasks', () => {
  it('confirms a resize left in VERIFY_RESIZE past resize_confirm_window, not before', async () => {
    const s = await bootActive('forgetful');
    await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { resize: { flavorRef: large } });
    await waitForServer(call, s.id, ['VERIFY_RESIZE']);
    await f.controller.runPeriodicTasks();
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}`)).json().server.status).toBe('VERIFY_RESIZE');
    await sleep(1100);
    await f.controller.runPeriodicTasks();
    const done = await waitForServer(call, s.id, ['ACTIVE']);
    expect(done.flavor.original_name).toBe('p.large');
  });

  it('keeps a shelved server on its host until shelved_offload_time, then offloads it', async () => {
    const s = await bootActive('napper');
    await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { shelve: null });
    const shelved = await waitForServer(call, s.id, ['SHELVED', 'SHELVED_OFFLOADED']);
    expect(shelved.status).toBe('SHELVED');
    expect(shelved['OS-EXT-SRV-ATTR:host']).toBe('host-1');
    await sleep(1100);
    await f.controller.runPeriodicTasks();
    const off = await waitForServer(call, s.id, ['SHELVED_OFFLOADED']);
    expect(off['OS-EXT-SRV-ATTR:host']).toBeNull();
    // Unshelving a server that never left its host just starts it again.
    const other = await bootActive('napper-2');
    await call('demo', 'POST', `/v2.1/servers/${other.id}/action`, { shelve: null });
    await waitForServer(call, other.id, ['SHELVED']);
    await call('demo', 'POST', `/v2.1/servers/${other.id}/action`, { unshelve: null });
    expect((await waitForServer(call, other.id, ['ACTIVE']))['OS-EXT-SRV-ATTR:host']).toBe('host-1');
  });
});

describe('compute: power-state sync', () => {
  it('follows the hypervisor: a guest that stopped by itself shows SHUTOFF, one running while STOPPED is stopped again, a vanished one keeps its state', async () => {
    const agent = f.agents[0]!;
    const a = await bootActive('self-stopper');
    await agent.driver.powerOff(a.id, 0);
    expect(await agent.syncPowerStates()).toBe(1);
    expect((await call('demo', 'GET', `/v2.1/servers/${a.id}`)).json().server).toMatchObject({ status: 'SHUTOFF', 'OS-EXT-STS:power_state': 4 });

    await agent.driver.powerOn(a.id);
    expect(await agent.syncPowerStates()).toBe(1);
    expect(await agent.driver.powerState(a.id)).toBe(4);

    const b = await bootActive('vanisher');
    await agent.driver.destroy(b.id);
    await agent.syncPowerStates();
    expect((await call('demo', 'GET', `/v2.1/servers/${b.id}`)).json().server).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:power_state': 0 });
    expect(await agent.syncPowerStates()).toBe(0);
  });
});
