import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCaller, computeFixture, novaFault, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
beforeAll(async () => { f = await computeFixture({ hosts: ['host-a', 'host-b'] }); });
afterAll(async () => { await f.close(); });
const call = computeCaller(() => f);

describe('compute: services, hypervisors, availability zones', () => {
  it('agents register their service, hypervisor and Placement provider with inventory', async () => {
    const services = (await call('admin', 'GET', '/v2.1/os-services')).json().services;
    expect(services.map((s: { binary: string; host: string }) => `${s.binary}@${s.host}`)).toEqual(
      ['nova-scheduler@controller', 'nova-conductor@controller', 'nova-compute@host-a', 'nova-compute@host-b']);
    expect(services[2]).toMatchObject({ zone: 'nova', status: 'enabled', state: 'up', disabled_reason: null });
    expect(services[0].zone).toBe('internal');
    expect((await call('demo', 'GET', '/v2.1/os-services')).statusCode).toBe(403);

    const hypervisors = (await call('admin', 'GET', '/v2.1/os-hypervisors/detail', undefined, '2.53')).json().hypervisors;
    expect(hypervisors).toHaveLength(2);
    expect(hypervisors[0]).toMatchObject({ hypervisor_hostname: 'host-a', state: 'up', status: 'enabled', hypervisor_type: 'fake', vcpus: 8, memory_mb: 16384, local_gb: 100 });
    const inventory = await f.placement.db.selectFrom('inventories').selectAll().where('provider_uuid', '=', hypervisors[0].id).execute();
    expect(Object.fromEntries(inventory.map((i) => [i.resource_class, [i.total, i.reserved, i.allocation_ratio]]))).toEqual({
      VCPU: [8, 0, 16], MEMORY_MB: [16384, 512, 1.5], DISK_GB: [100, 0, 1],
    });
    const stats = (await call('admin', 'GET', '/v2.1/os-hypervisors/statistics')).json().hypervisor_statistics;
    expect(stats).toMatchObject({ count: 2, vcpus: 16, memory_mb: 32768, local_gb: 200, running_vms: 0 });
    expect((await call('admin', 'GET', '/v2.1/os-hypervisors/statistics', undefined, '2.88')).statusCode).toBe(404);
    const one = await call('admin', 'GET', `/v2.1/os-hypervisors/${hypervisors[1].id}`, undefined, '2.88');
    expect(one.json().hypervisor).not.toHaveProperty('vcpus');
    const search = await call('admin', 'GET', '/v2.1/os-hypervisors/host-b/search');
    expect(search.json().hypervisors.map((h: { hypervisor_hostname: string }) => h.hypervisor_hostname)).toEqual(['host-b']);
  });

  it('disable with a reason, force down, enable (old and 2.53 forms); zones follow', async () => {
    const disabled = await call('admin', 'PUT', '/v2.1/os-services/disable-log-reason', { host: 'host-a', binary: 'nova-compute', disabled_reason: 'maintenance' });
    expect(disabled.json()).toEqual({ service: { host: 'host-a', binary: 'nova-compute', status: 'disabled', disabled_reason: 'maintenance' } });
    const zones = (await call('demo', 'GET', '/v2.1/os-availability-zone')).json().availabilityZoneInfo;
    expect(zones).toEqual([{ zoneName: 'nova', zoneState: { available: true }, hosts: null }]);
    const detail = (await call('admin', 'GET', '/v2.1/os-availability-zone/detail')).json().availabilityZoneInfo;
    expect(detail.map((z: { zoneName: string }) => z.zoneName).sort()).toEqual(['internal', 'nova']);
    expect(detail.find((z: { zoneName: string }) => z.zoneName === 'nova').hosts['host-a']['nova-compute']).toMatchObject({ available: true, active: false });

    const list = (await call('admin', 'GET', '/v2.1/os-services?binary=nova-compute&host=host-b', undefined, '2.53')).json().services;
    const id = list[0].id as string;
    const down = await call('admin', 'PUT', `/v2.1/os-services/${id}`, { forced_down: true }, '2.53');
    expect(down.json().service).toMatchObject({ id, state: 'down', forced_down: true, status: 'enabled' });
    const hyp = (await call('admin', 'GET', '/v2.1/os-hypervisors')).json().hypervisors;
    expect(hyp.map((h: { state: string; status: string }) => `${h.status}/${h.state}`)).toEqual(['disabled/up', 'enabled/down']);
    const bad = await call('admin', 'PUT', `/v2.1/os-services/${id}`, { status: 'enabled', disabled_reason: 'x' }, '2.53');
    expect(bad.statusCode).toBe(400);
    await call('admin', 'PUT', `/v2.1/os-services/${id}`, { forced_down: false }, '2.53');
    const enabled = await call('admin', 'PUT', '/v2.1/os-services/enable', { host: 'host-a', binary: 'nova-compute' });
    expect(enabled.json().service.status).toBe('enabled');
    const missing = await call('admin', 'PUT', '/v2.1/os-services/enable', { host: 'nowhere', binary: 'nova-compute' });
    expect(novaFault(missing).code).toBe(404);
  });
});
