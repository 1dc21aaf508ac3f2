import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCaller, computeFixture, novaFault, type ComputeFixture } from '../test-support.js';

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPJ1hLoQ4pJ3nqSk6z6o7mXp3Xz0d8xO9yT8s1H7qK test@host';

let f: ComputeFixture;
beforeAll(async () => { f = await computeFixture(); });
afterAll(async () => { await f.close(); });
const call = computeCaller(() => f);

describe('compute: quota sets and limits', () => {
  it('defaults, per-project overrides, detail with in_use, reset; fields per microversion', async () => {
    const shown = (await call('demo', 'GET', '/v2.1/os-quota-sets/p-demo')).json().quota_set;
    expect(shown).toMatchObject({ id: 'p-demo', instances: 10, cores: 20, ram: 51200, key_pairs: 100, floating_ips: 10, injected_files: 5 });
    const modern = (await call('demo', 'GET', '/v2.1/os-quota-sets/p-demo', undefined, '2.57')).json().quota_set;
    expect(modern).not.toHaveProperty('floating_ips');
    expect(modern).not.toHaveProperty('injected_files');
    expect((await call('demo', 'GET', '/v2.1/os-quota-sets/p-alt')).statusCode).toBe(403);
    expect((await call('demo', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { instances: 5 } })).statusCode).toBe(403);
    const set = await call('admin', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { instances: 5, cores: '8' } }, '2.57');
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().quota_set).toMatchObject({ instances: 5, cores: 8, ram: 51200 });
    expect(set.json().quota_set).not.toHaveProperty('id');
    const detail = (await call('demo', 'GET', '/v2.1/os-quota-sets/p-demo/detail', undefined, '2.57')).json().quota_set;
    expect(detail.instances).toEqual({ limit: 5, in_use: 0, reserved: 0 });
    const limits = (await call('demo', 'GET', '/v2.1/limits')).json().limits;
    expect(limits.absolute).toMatchObject({ maxTotalInstances: 5, maxTotalCores: 8, totalInstancesUsed: 0, maxImageMeta: 128 });
    const bad = await call('admin', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { colours: 3 } });
    expect(novaFault(bad).code).toBe(400);
    expect((await call('admin', 'DELETE', '/v2.1/os-quota-sets/p-demo')).statusCode).toBe(202);
    expect((await call('demo', 'GET', '/v2.1/os-quota-sets/p-demo')).json().quota_set.instances).toBe(10);
    expect((await call('demo', 'GET', '/v2.1/os-quota-sets/p-alt/defaults')).json().quota_set.instances).toBe(10);
  });

  it('key pairs and server groups count against the project quota set; parallel creations never pass it', async () => {
    expect((await call('admin', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { key_pairs: 2, server_groups: 1 } })).statusCode).toBe(200);
    const key = (name: string) => call('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name, public_key: ED25519 } });
    const made = await Promise.all(['k1', 'k2', 'k3', 'k4'].map(key));
    expect(made.map((r) => r.statusCode).sort()).toEqual([200, 200, 403, 403]);
    expect(novaFault(made.find((r) => r.statusCode === 403)!).message).toBe('Quota exceeded, too many key pairs.');
    const group = await call('demo', 'POST', '/v2.1/os-server-groups', { server_group: { name: 'g1', policies: ['affinity'] } });
    expect(group.statusCode, group.body).toBe(200);
    expect((await call('demo', 'GET', '/v2.1/limits')).json().limits.absolute).toMatchObject({ maxServerGroups: 1, totalServerGroupsUsed: 1 });
    expect(novaFault(await call('demo', 'POST', '/v2.1/os-server-groups', { server_group: { name: 'g2', policies: ['affinity'] } })).code).toBe(403);
    expect((await call('admin', 'DELETE', '/v2.1/os-quota-sets/p-demo')).statusCode).toBe(202);
  });
});
