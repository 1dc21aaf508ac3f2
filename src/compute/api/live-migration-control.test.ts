import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootBasics, bootServer, makeFlavor, computeCaller, computeFixture, novaFault, waitForServer, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
let boot: { imageId: string; networkId: string; flavorId: string };
const call = computeCaller(() => f);

beforeAll(async () => {
  // Every hypervisor operation takes 400 ms, so a live migration can be caught while it streams.
  f = await computeFixture({ hosts: ['host-1', 'host-2'], driver: { delayMs: 400 } });
  const basics = await bootBasics(f, '10.4.0.0/24');
  boot = { ...basics, flavorId: await makeFlavor(call, 'lm.small', { ram: 256, vcpus: 1, disk: 1 }) };
}, 60_000);
afterAll(async () => { await f.close(); });

async function runningMigration(id: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const m = (await call('admin', 'GET', `/v2.1/servers/${id}/migrations`, undefined, '2.59')).json().migrations.find((x: any) => x.status === 'running');
    if (m) return m;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no running migration');
}

const host = async (id: string): Promise<string> => (await call('admin', 'GET', `/v2.1/servers/${id}`)).json().server['OS-EXT-SRV-ATTR:host'];

describe('compute: aborting and forcing live migrations', () => {
  it('abort (2.24) leaves the server running where it was; force_complete (2.22) lets it finish on the destination', async () => {
    const s = await bootServer(call, boot, 'lm');
    const source = await host(s.id);
    expect((await call('admin', 'POST', `/v2.1/servers/${s.id}/action`, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.30')).statusCode).toBe(202);
    const m = await runningMigration(s.id);
    expect(m).toMatchObject({ server_uuid: s.id, source_compute: source, status: 'running' });
    expect((await call('admin', 'GET', `/v2.1/servers/${s.id}/migrations/${m.id}`, undefined, '2.23')).json().migration.id).toBe(m.id);
    expect((await call('admin', 'DELETE', `/v2.1/servers/${s.id}/migrations/${m.id}`, undefined, '2.23')).statusCode).toBe(404);
    expect((await call('admin', 'DELETE', `/v2.1/servers/${s.id}/migrations/${m.id}`, undefined, '2.24')).statusCode).toBe(202);
    const back = await waitForServer(call, s.id, ['ACTIVE'], 'admin');
    expect(back['OS-EXT-SRV-ATTR:host']).toBe(source);
    const after = (await call('admin', 'GET', `/v2.1/os-migrations?instance_uuid=${s.id}`, undefined, '2.59')).json().migrations[0];
    expect(after.status).toBe('cancelled');
    expect(back.fault).toBeUndefined();
    const late = await call('admin', 'DELETE', `/v2.1/servers/${s.id}/migrations/${m.id}`, undefined, '2.24');
    expect(late.statusCode).toBe(409);

    await call('admin', 'POST', `/v2.1/servers/${s.id}/action`, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.30');
    const second = await runningMigration(s.id);
    expect((await call('admin', 'POST', `/v2.1/servers/${s.id}/migrations/${second.id}/action`, { force_complete: null }, '2.22')).statusCode).toBe(202);
    const moved = await waitForServer(call, s.id, ['ACTIVE'], 'admin');
    expect(moved).toMatchObject({ 'OS-EXT-SRV-ATTR:host': second.dest_compute, 'OS-EXT-STS:power_state': 1 });
    const done = await call('admin', 'POST', `/v2.1/servers/${s.id}/migrations/${second.id}/action`, { force_complete: null }, '2.22');
    expect(done.statusCode).toBe(409);
    expect(novaFault(done).message).toContain("Cannot 'force_complete'");
  }, 30_000);
});
