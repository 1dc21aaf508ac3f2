import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, callerFor, creatorFor, fault, networkFixture, type NetworkFixture } from '../test-support.js';

let f: NetworkFixture;
beforeAll(async () => { f = await networkFixture(); });
afterAll(async () => { await f.close(); });

const call = callerFor(() => f);

const made = creatorFor(call);

async function external() {
  const pub = await made('admin', 'networks', 'network', { name: 'public', 'router:external': true });
  const sub = await made('admin', 'subnets', 'subnet', { network_id: pub.id, ip_version: 4, cidr: '172.24.4.0/24', enable_dhcp: false,
    allocation_pools: [{ start: '172.24.4.10', end: '172.24.4.20' }] });
  return { pub, sub };
}

describe('routers and floating IPs', () => {
  it('walks the seeds workflow: gateway, interface, floating IP, and the in-use rules', async () => {
    const { pub } = await external();
    const net = await made('demo', 'networks', 'network', { name: 'private' });
    const sub = await made('demo', 'subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '192.168.0.0/24' });
    const router = await made('demo', 'routers', 'router', { name: 'r1' });
    expect(router.external_gateway_info).toBeNull();

    const gw = await call('demo', 'PUT', `/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: pub.id } } });
    expect(gw.statusCode, gw.body).toBe(200);
    expect(gw.json().router.external_gateway_info).toMatchObject({ network_id: pub.id, enable_snat: true, external_fixed_ips: [{ ip_address: '172.24.4.10' }] });
    const snat = await call('demo', 'PUT', `/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: pub.id, enable_snat: false } } });
    expect(snat.statusCode).toBe(403);

    const vm = await made('demo', 'ports', 'port', { network_id: net.id, device_id: 'vm-1', device_owner: 'compute:nova' });
    const notReachable = await call('demo', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: pub.id, port_id: vm.id } });
    expect(notReachable.statusCode).toBe(404);
    expect(fault(notReachable).type).toBe('ExternalGatewayForFloatingIPNotFound');

    const added = await call('demo', 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json()).toMatchObject({ id: router.id, subnet_id: sub.id, network_id: net.id });
    const iface = (await call('demo', 'GET', `/v2.0/ports/${added.json().port_id}`)).json().port;
    expect(iface).toMatchObject({ device_owner: 'network:router_interface', device_id: router.id, fixed_ips: [{ ip_address: '192.168.0.1' }] });
    expect(fault(await call('demo', 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id })).type).toBe('BadRequest');
    expect(fault(await call('demo', 'DELETE', `/v2.0/ports/${iface.id}`)).type).toBe('L3PortInUse');

    const told: Array<{ name: string; server_uuid: string; tag: string }> = [];
    f.svc.computeEvents = async (events) => { told.push(...events); };
    const fip = await made('demo', 'floatingips', 'floatingip', { floating_network_id: pub.id });
    expect(fip).toMatchObject({ floating_ip_address: '172.24.4.11', status: 'DOWN', port_id: null, router_id: null, port_details: null });
    expect(told).toEqual([]);
    const assoc = await call('demo', 'PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: vm.id } });
    expect(assoc.statusCode, assoc.body).toBe(200);
    // Compute hears of it (Neutron's nova notifier), so the server's addresses show the floating IP.
    expect(told).toEqual([{ name: 'network-changed', server_uuid: 'vm-1', tag: vm.id, status: 'completed' }]);
    f.svc.computeEvents = null;
    expect(assoc.json().floatingip).toMatchObject({ port_id: vm.id, fixed_ip_address: vm.fixed_ips[0].ip_address, router_id: router.id, status: 'ACTIVE' });
    expect(assoc.json().floatingip.port_details).toMatchObject({ device_id: 'vm-1', network_id: net.id });
    const second = await call('demo', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: pub.id, port_id: vm.id } });
    expect(second.statusCode).toBe(409);
    expect(fault(second).type).toBe('FloatingIPPortAlreadyAssociated');

    expect(fault(await call('demo', 'PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: sub.id })).type).toBe('RouterInterfaceInUseByFloatingIP');
    expect(fault(await call('demo', 'PUT', `/v2.0/routers/${router.id}`, { router: { external_gateway_info: {} } })).type).toBe('RouterExternalGatewayInUseByFloatingIp');
    expect(fault(await call('demo', 'DELETE', `/v2.0/routers/${router.id}`)).type).toBe('RouterInUse');

    const routes = await call('demo', 'PUT', `/v2.0/routers/${router.id}`, { router: { routes: [{ destination: '10.50.0.0/16', nexthop: '192.168.0.50' }] } });
    expect(routes.json().router.routes).toEqual([{ destination: '10.50.0.0/16', nexthop: '192.168.0.50' }]);
    expect(fault(await call('demo', 'PUT', `/v2.0/routers/${router.id}`, { router: { routes: [{ destination: '10.50.0.0/16', nexthop: '10.99.0.1' }] } })).type).toBe('InvalidRoutes');

    // Deleting the VM's port frees the floating IP; then the router comes apart cleanly.
    expect((await call('demo', 'DELETE', `/v2.0/ports/${vm.id}`)).statusCode).toBe(204);
    expect((await call('demo', 'GET', `/v2.0/floatingips/${fip.id}`)).json().floatingip).toMatchObject({ port_id: null, status: 'DOWN' });
    expect((await call('demo', 'DELETE', `/v2.0/floatingips/${fip.id}`)).statusCode).toBe(204);
    expect((await call('demo', 'PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: sub.id })).statusCode).toBe(200);
    expect((await call('demo', 'DELETE', `/v2.0/routers/${router.id}`)).statusCode).toBe(204);
    const left = (await call('admin', 'GET', `/v2.0/ports?network_id=${pub.id}`)).json().ports;
    expect(left).toEqual([]);
    expect((await call('admin', 'DELETE', `/v2.0/networks/${pub.id}`)).statusCode).toBe(204);
  });

  it('refuses floating IPs from internal networks and other projects ports', async () => {
    const { pub } = await external();
    const net = await made('demo', 'networks', 'network', {});
    expect(fault(await call('demo', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: net.id } })).type).toBe('BadRequest');
    const altNet = await made('alt', 'networks', 'network', {});
    await made('alt', 'subnets', 'subnet', { network_id: altNet.id, ip_version: 4, cidr: '10.7.0.0/24' });
    const altPort = await made('alt', 'ports', 'port', { network_id: altNet.id });
    expect((await call('demo', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: pub.id, port_id: altPort.id } })).statusCode).toBe(404);
    expect((await call('demo', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: pub.id, floating_ip_address: '172.24.4.15' } })).statusCode).toBe(403);
  });
});

describe('external networks', () => {
  it('take their floating IPs with them when deleted', async () => {
    const { pub } = await external();
    const fip = await made('demo', 'floatingips', 'floatingip', { floating_network_id: pub.id });
    expect((await call('admin', 'DELETE', `/v2.0/networks/${pub.id}`)).statusCode).toBe(204);
    expect((await call('demo', 'GET', `/v2.0/floatingips/${fip.id}`)).statusCode).toBe(404);
  });
});
