import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootBasics, bootServer, makeFlavor, computeCaller, computeFixture, restCall, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
let imageId: string;
let networkId: string;
let flavorId: string;
const call = computeCaller(() => f);

beforeAll(async () => {
  f = await computeFixture({ hosts: ['host-1'] });
  ({ imageId, networkId } = await bootBasics(f, '10.7.0.0/24'));
  flavorId = await makeFlavor(call, 'i.small', { ram: 256, vcpus: 1, disk: 1 });
}, 60_000);
afterAll(async () => { await f.close(); });

/** What an operation cut short by the agent's stop leaves in the database. */
const interrupt = (uuid: string, changes: { vm_state?: string; task_state: string | null }) =>
  f.svc.db.updateTable('instances').set(changes).where('uuid', '=', uuid).execute();
const show = async (id: string) => (await call('admin', 'GET', `/v2.1/servers/${id}`, undefined, '2.93')).json().server;
const held = async (consumer: string) => f.placement.db.selectFrom('allocations').select('used').where('consumer_uuid', '=', consumer).execute();

describe('compute: an agent that starts ends what its last run left unfinished (Nova init_host)', () => {
  it('a build goes to ERROR with a fault and gives back its claim; a power task is dropped; a delete is finished', async () => {
    const [building, stopping, deleting] = await Promise.all(['cut-build', 'cut-stop', 'cut-delete'].map((n) => bootServer(call, { imageId, networkId, flavorId }, n)));
    const agent = f.agents[0]!;
    await agent.stop();
    await interrupt(building.id, { vm_state: 'building', task_state: 'spawning' });
    await interrupt(stopping.id, { task_state: 'powering-off' });
    await interrupt(deleting.id, { task_state: 'deleting' });
    await agent.start();

    const failed = await show(building.id);
    expect(failed).toMatchObject({ status: 'ERROR', 'OS-EXT-STS:task_state': null });
    expect(failed.fault.message).toBe('The compute service stopped while the instance was building');
    expect(await held(building.id)).toEqual([]);
    expect(await show(stopping.id)).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null });
    expect((await call('admin', 'GET', `/v2.1/servers/${deleting.id}`)).statusCode).toBe(404);
    expect(await agent.driver.listInstances()).not.toContain(deleting.id);
    expect(await held(deleting.id)).toEqual([]);
    const ports = await restCall(f.networkUrl, 'admin', 'GET', `/v2.0/ports?device_id=${deleting.id}`);
    expect(ports.ports).toEqual([]);
  });
});
