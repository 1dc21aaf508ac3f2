import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootBasics, bootServer, computeCaller, computeFixture, novaFault, restCall, type ComputeFixture } from '../../test-support.js';

let f: ComputeFixture;
let boot: { imageId: string; networkId: string; flavorId: string };
let publicId: string;
const call = computeCaller(() => f);

beforeAll(async () => {
  f = await computeFixture({ hosts: ['host-1'] });
  const basics = await bootBasics(f, '10.40.0.0/24');
  const flavor = (await call('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'fip.small', ram: 256, vcpus: 1, disk: 1 } })).json().flavor.id;
  boot = { ...basics, flavorId: flavor };
  // The external network the pools come from, and demo's router to it.
  const pub = await restCall(f.networkUrl, 'admin', 'POST', '/v2.0/networks', { network: { name: 'public', 'router:external': true } });
  publicId = pub.network.id;
  await restCall(f.networkUrl, 'admin', 'POST', '/v2.0/subnets', { subnet: { network_id: publicId, ip_version: 4, cidr: '172.24.4.0/28' } });
  const subnet = (await restCall(f.networkUrl, 'demo', 'GET', `/v2.0/subnets?network_id=${basics.networkId}`)).subnets[0];
  const router = await restCall(f.networkUrl, 'demo', 'POST', '/v2.0/routers', { router: { name: 'r1', external_gateway_info: { network_id: publicId } } });
  await restCall(f.networkUrl, 'demo', 'PUT', `/v2.0/routers/${router.router.id}/add_router_interface`, { subnet_id: subnet.id });
}, 60_000);
afterAll(async () => { await f.close(); });

const allocate = async (pool: unknown = 'public'): Promise<any> => {
  const res = await call('demo', 'POST', '/v2.1/os-floating-ips', { pool });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().floating_ip;
};
const action = (id: string, body: unknown, version?: string) => call('demo', 'POST', `/v2.1/servers/${id}/action`, body, version);
const addressesOf = async (id: string): Promise<any[]> => (await call('demo', 'GET', `/v2.1/servers/${id}`)).json().server.addresses.private;

describe('compute: os-floating-ips and os-floating-ip-pools proxies', () => {
  it('lists the external networks as pools; allocates, shows, lists and deallocates', async () => {
    expect((await call('demo', 'GET', '/v2.1/os-floating-ip-pools')).json()).toEqual({ floating_ip_pools: [{ name: 'public' }] });
    const fip = await allocate();
    expect(fip).toEqual({ id: expect.any(String), ip: expect.stringMatching(/^172\.24\.4\./), pool: 'public', fixed_ip: null, instance_id: null });
    expect((await call('demo', 'GET', `/v2.1/os-floating-ips/${fip.id}`)).json().floating_ip).toEqual(fip);
    expect((await call('demo', 'GET', '/v2.1/os-floating-ips')).json().floating_ips).toContainEqual(fip);
    expect((await call('alt', 'GET', '/v2.1/os-floating-ips')).json().floating_ips).toEqual([]);
    expect((await call('alt', 'GET', `/v2.1/os-floating-ips/${fip.id}`)).statusCode).toBe(404);
    const byId = await allocate(publicId);
    expect(byId.pool).toBe('public');
    expect((await call('demo', 'DELETE', `/v2.1/os-floating-ips/${fip.id}`)).statusCode).toBe(202);
    expect((await call('demo', 'DELETE', `/v2.1/os-floating-ips/${byId.id}`)).statusCode).toBe(202);
    const gone = await call('demo', 'GET', `/v2.1/os-floating-ips/${fip.id}`);
    expect(novaFault(gone)).toMatchObject({ code: 404, message: `Floating IP not found for ID ${fip.id}` });
    expect((await call('demo', 'DELETE', `/v2.1/os-floating-ips/${fip.id}`)).statusCode).toBe(404);
  });

  it('refuses unknown pools, runs out of addresses with a 404, and is gone above 2.35', async () => {
    expect(novaFault(await call('demo', 'POST', '/v2.1/os-floating-ips', { pool: 'non_exist_pool' }))).toMatchObject({ code: 404, message: 'Floating IP pool not found.' });
    // Without a pool Nova uses [neutron] default_floating_pool, "nova": no such network here.
    expect((await call('demo', 'POST', '/v2.1/os-floating-ips')).statusCode).toBe(404);
    const taken: any[] = [];
    let last = await call('demo', 'POST', '/v2.1/os-floating-ips', { pool: 'public' });
    while (last.statusCode === 200 && taken.length < 20) {
      taken.push(last.json().floating_ip);
      last = await call('demo', 'POST', '/v2.1/os-floating-ips', { pool: 'public' });
    }
    expect(novaFault(last)).toMatchObject({ code: 404, message: 'No more floating IPs in pool public.' });
    for (const t of taken) await call('demo', 'DELETE', `/v2.1/os-floating-ips/${t.id}`);
    expect((await call('demo', 'GET', '/v2.1/os-floating-ips', undefined, '2.36')).statusCode).toBe(404);
    expect((await call('demo', 'GET', '/v2.1/os-floating-ip-pools', undefined, '2.36')).statusCode).toBe(404);
  });

  it('associates to a server (its addresses show the floating IP), moves it to another, disassociates and deallocates', async () => {
    const one = await bootServer(call, boot, 'fip-one');
    const two = await bootServer(call, boot, 'fip-two');
    const fip = await allocate();
    expect((await action(one.id, { addFloatingIp: { address: fip.ip } })).statusCode).toBe(202);
    const shown = (await call('demo', 'GET', `/v2.1/os-floating-ips/${fip.id}`)).json().floating_ip;
    expect(shown).toMatchObject({ instance_id: one.id, fixed_ip: one.addresses.private[0].addr });
    const addrs = await addressesOf(one.id);
    expect(addrs.map((a) => [a.addr, a['OS-EXT-IPS:type']])).toEqual([[one.addresses.private[0].addr, 'fixed'], [fip.ip, 'floating']]);
    expect(addrs[1]['OS-EXT-IPS-MAC:mac_addr']).toBe(addrs[0]['OS-EXT-IPS-MAC:mac_addr']);

    // A second floating IP on the same fixed address: Neutron's conflict, Nova's 400.
    const other = await allocate();
    expect((await action(one.id, { addFloatingIp: { address: other.ip } })).statusCode).toBe(400);

    // Re-associating moves it: the first server no longer shows it, and cannot remove it.
    expect((await action(two.id, { addFloatingIp: { address: fip.ip } })).statusCode).toBe(202);
    expect((await addressesOf(one.id)).map((a) => a['OS-EXT-IPS:type'])).toEqual(['fixed']);
    expect((await addressesOf(two.id)).map((a) => a.addr)).toContain(fip.ip);
    const wrong = await action(one.id, { removeFloatingIp: { address: fip.ip } });
    expect(novaFault(wrong)).toMatchObject({ code: 409, message: `Floating IP ${fip.ip} is not associated with instance ${one.id}.` });

    expect((await action(two.id, { removeFloatingIp: { address: fip.ip } })).statusCode).toBe(202);
    expect((await addressesOf(two.id)).map((a) => a['OS-EXT-IPS:type'])).toEqual(['fixed']);
    expect((await call('demo', 'GET', `/v2.1/os-floating-ips/${fip.id}`)).json().floating_ip).toMatchObject({ instance_id: null, fixed_ip: null });

    // Deallocating an associated address unhooks it from the server's addresses too.
    expect((await action(two.id, { addFloatingIp: { address: other.ip } })).statusCode).toBe(202);
    expect((await call('demo', 'DELETE', `/v2.1/os-floating-ips/${other.id}`)).statusCode).toBe(202);
    expect((await addressesOf(two.id)).map((a) => a['OS-EXT-IPS:type'])).toEqual(['fixed']);
    await call('demo', 'DELETE', `/v2.1/os-floating-ips/${fip.id}`);
  });

  it('answers the actions\' errors as Nova does, and drops the actions at 2.44', async () => {
    const s = await bootServer(call, boot, 'fip-errors');
    const fip = await allocate();
    expect(novaFault(await action(s.id, { addFloatingIp: { address: '0.0.0.0' } }))).toMatchObject({ code: 404, message: 'floating IP not found' });
    expect(novaFault(await action(s.id, { removeFloatingIp: { address: '0.0.0.0' } }))).toMatchObject({ code: 404, message: 'Floating IP not found for address 0.0.0.0.' });
    expect((await action(s.id, { addFloatingIp: { address: '' } })).statusCode).toBe(400);
    expect((await action(s.id, { addFloatingIp: {} })).statusCode).toBe(400);
    expect(novaFault(await action(s.id, { addFloatingIp: { address: fip.ip, fixed_address: '10.99.0.1' } })))
      .toMatchObject({ code: 400, message: 'Specified fixed address not assigned to instance' });
    expect((await action(s.id, { addFloatingIp: { address: fip.ip } }, '2.44')).statusCode).toBe(404);
    expect((await action(s.id, { addFloatingIp: { address: fip.ip } }, '2.43')).statusCode).toBe(202);
    expect((await action(s.id, { removeFloatingIp: { address: fip.ip } }, '2.44')).statusCode).toBe(404);
    expect((await call('alt', 'POST', `/v2.1/servers/${s.id}/action`, { removeFloatingIp: { address: fip.ip } })).statusCode).toBe(404);
    expect((await action(s.id, { removeFloatingIp: { address: fip.ip } })).statusCode).toBe(202);
    await call('demo', 'DELETE', `/v2.1/os-floating-ips/${fip.id}`);
  });
});

describe('compute: os-networks and os-tenant-networks proxies', () => {
  it('lists and shows the networks the caller can see; admins see the nova-network fields as null', async () => {
    const tenant = (await call('demo', 'GET', '/v2.1/os-tenant-networks')).json().networks;
    expect(tenant).toContainEqual({ id: boot.networkId, cidr: 'None', label: 'private' });
    expect(tenant.map((n: any) => n.label)).toContain('public');
    expect((await call('demo', 'GET', `/v2.1/os-tenant-networks/${boot.networkId}`)).json()).toEqual({ network: { id: boot.networkId, cidr: 'None', label: 'private' } });
    expect((await call('alt', 'GET', '/v2.1/os-tenant-networks')).json().networks.map((n: any) => n.id)).not.toContain(boot.networkId);
    expect(novaFault(await call('alt', 'GET', `/v2.1/os-tenant-networks/${boot.networkId}`))).toMatchObject({ code: 404, message: 'Network not found' });

    const admin = (await call('admin', 'GET', `/v2.1/os-networks/${publicId}`)).json().network;
    expect(admin).toMatchObject({ id: publicId, label: 'public', cidr: null, bridge: null, mtu: null, project_id: null });
    const user = (await call('demo', 'GET', `/v2.1/os-networks/${boot.networkId}`)).json().network;
    expect(Object.keys(user).sort()).toEqual(['broadcast', 'cidr', 'cidr_v6', 'dns1', 'dns2', 'gateway', 'gateway_v6', 'id', 'label', 'netmask', 'netmask_v6']);
    expect((await call('admin', 'GET', '/v2.1/os-networks')).json().networks.map((n: any) => n.label)).toEqual(expect.arrayContaining(['public', 'private']));
    expect((await call('demo', 'GET', '/v2.1/os-networks', undefined, '2.36')).statusCode).toBe(404);
    expect((await call('demo', 'GET', '/v2.1/os-tenant-networks', undefined, '2.36')).statusCode).toBe(404);
  });

  it('answers 410 for nova-network\'s management calls and 400 for unknown actions', async () => {
    expect((await call('admin', 'POST', '/v2.1/os-networks', { network: { label: 'x' } })).statusCode).toBe(410);
    expect((await call('admin', 'DELETE', `/v2.1/os-networks/${publicId}`)).statusCode).toBe(410);
    expect((await call('admin', 'POST', '/v2.1/os-networks/add', { id: null })).statusCode).toBe(410);
    expect((await call('admin', 'POST', `/v2.1/os-networks/${publicId}/action`, { disassociate_host: null })).statusCode).toBe(410);
    expect(novaFault(await call('admin', 'POST', `/v2.1/os-networks/${publicId}/action`, { explode: null }))).toMatchObject({ code: 400, message: 'There is no such action: explode' });
    expect((await call('demo', 'POST', '/v2.1/os-tenant-networks', { network: { label: 'x' } })).statusCode).toBe(410);
    expect((await call('demo', 'DELETE', `/v2.1/os-tenant-networks/${boot.networkId}`)).statusCode).toBe(410);
  });
});
