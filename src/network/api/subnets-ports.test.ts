import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_HOST, type Caller, callerFor, creatorFor, fault, networkFixture, type NetworkFixture, PROJECTS } from '../test-support.js';

let f: NetworkFixture;
beforeAll(async () => { f = await networkFixture(); });
afterAll(async () => { await f.close(); });

const call = callerFor(() => f);

const made = creatorFor(call);

const network = (who: Caller = 'demo', body: Record<string, unknown> = {}) => made(who, 'networks', 'network', body);
const subnet = (who: Caller, body: Record<string, unknown>) => made(who, 'subnets', 'subnet', { ip_version: 4, ...body });
const port = (who: Caller, body: Record<string, unknown>) => made(who, 'ports', 'port', body);

describe('subnets', () => {
  it('defaults the gateway and pools and shows on the network', async () => {
    const n = await network();
    const s = await subnet('demo', { network_id: n.id, cidr: '192.168.0.0/24', dns_nameservers: ['8.8.8.8'], name: 's1' });
    expect(s).toMatchObject({
      cidr: '192.168.0.0/24', gateway_ip: '192.168.0.1', allocation_pools: [{ start: '192.168.0.2', end: '192.168.0.254' }],
      dns_nameservers: ['8.8.8.8'], enable_dhcp: true, ip_version: 4, host_routes: [], project_id: PROJECTS.demo, ipv6_ra_mode: null, subnetpool_id: null,
    });
    expect((await call('demo', 'GET', `/v2.0/networks/${n.id}`)).json().network.subnets).toEqual([s.id]);
  });

  it('rejects bad cidrs, pools and gateways with Neutron faults', async () => {
    const n = await network();
    const bad = async (body: Record<string, unknown>, status: number, type: string) => {
      const res = await call('demo', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, ...body } });
      expect(res.statusCode, res.body).toBe(status);
      expect(fault(res).type).toBe(type);
      return fault(res).message as string;
    };
    expect(await bad({ cidr: '10.0.0.5/24' }, 400, 'InvalidInput')).toContain("'10.0.0.0/24' is recommended");
    await bad({ cidr: 'nonsense' }, 400, 'InvalidInput');
    await bad({ cidr: '2001:db8::/64' }, 400, 'InvalidInput');
    await bad({ cidr: '10.0.0.0/24', allocation_pools: [{ start: '10.0.1.2', end: '10.0.1.9' }] }, 400, 'OutOfBoundsAllocationPool');
    await bad({ cidr: '10.0.0.0/24', allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.9' }, { start: '10.0.0.9', end: '10.0.0.20' }] }, 400, 'OverlappingAllocationPools');
    await bad({ cidr: '10.0.0.0/24', allocation_pools: [{ start: '10.0.0.1', end: '10.0.0.9' }] }, 409, 'GatewayConflictWithAllocationPools');
    await bad({ cidr: '10.0.0.0/24', gateway_ip: '10.0.0.255' }, 400, 'InvalidInput');
    await bad({ cidr: '10.0.0.0/24', dns_nameservers: ['1.1.1.1', '1.1.1.1'] }, 400, 'InvalidInput');
    await subnet('demo', { network_id: n.id, cidr: '10.0.0.0/24' });
    expect(await bad({ cidr: '10.0.0.128/25' }, 400, 'InvalidInput')).toContain('overlaps with another subnet');
    const other = await call('alt', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.9.0.0/24' } });
    expect(other.statusCode).toBe(404);
  });

  it('handles IPv6 modes and gateway none', async () => {
    const n = await network();
    const s = await subnet('demo', { network_id: n.id, ip_version: 6, cidr: '2001:db8:1::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
    expect(s).toMatchObject({ gateway_ip: '2001:db8:1::1', allocation_pools: [{ start: '2001:db8:1::2', end: '2001:db8:1:0:ffff:ffff:ffff:ffff' }] });
    const p = await port('demo', { network_id: n.id, mac_address: 'fa:16:3e:11:22:33' });
    expect(p.fixed_ips).toEqual([{ subnet_id: s.id, ip_address: '2001:db8:1:0:f816:3eff:fe11:2233' }]);
    const n2 = await network();
    const none = await subnet('demo', { network_id: n2.id, cidr: '10.1.0.0/29', gateway_ip: null });
    expect(none.gateway_ip).toBeNull();
    expect(none.allocation_pools).toEqual([{ start: '10.1.0.1', end: '10.1.0.6' }]);
  });

  it('updates pools, routes and nameservers and refuses read-only attributes', async () => {
    const n = await network();
    const s = await subnet('demo', { network_id: n.id, cidr: '10.2.0.0/24' });
    const res = await call('demo', 'PUT', `/v2.0/subnets/${s.id}`, { subnet: { host_routes: [{ destination: '10.9.0.0/16', nexthop: '10.2.0.9' }], dns_nameservers: ['1.1.1.1'], name: 'x' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().subnet).toMatchObject({ name: 'x', host_routes: [{ destination: '10.9.0.0/16', nexthop: '10.2.0.9' }], dns_nameservers: ['1.1.1.1'], revision_number: 2 });
    expect((await call('demo', 'PUT', `/v2.0/subnets/${s.id}`, { subnet: { cidr: '10.3.0.0/24' } })).statusCode).toBe(400);
  });
});

describe('ports', () => {
  it('allocates the first free address, a base MAC, and shows binding only to admins', async () => {
    const n = await network();
    const s = await subnet('demo', { network_id: n.id, cidr: '10.10.0.0/24' });
    const p = await port('demo', { network_id: n.id, name: 'p1' });
    expect(p).toMatchObject({ status: 'DOWN', fixed_ips: [{ subnet_id: s.id, ip_address: '10.10.0.2' }], device_owner: '', admin_state_up: true, port_security_enabled: true });
    expect(p.mac_address).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    expect(p['binding:host_id']).toBeUndefined();
    const asAdmin = (await call('admin', 'GET', `/v2.0/ports/${p.id}`)).json().port;
    expect(asAdmin).toMatchObject({ 'binding:host_id': '', 'binding:vif_type': 'unbound', 'binding:vnic_type': 'normal' });
    const nowhere = await call('admin', 'PUT', `/v2.0/ports/${p.id}`, { port: { 'binding:host_id': 'no-such-host' } });
    expect(nowhere.json().port).toMatchObject({ 'binding:host_id': 'no-such-host', 'binding:vif_type': 'binding_failed', status: 'DOWN' });
    const bound = await call('admin', 'PUT', `/v2.0/ports/${p.id}`, { port: { 'binding:host_id': AGENT_HOST } });
    expect(bound.json().port).toMatchObject({ 'binding:host_id': AGENT_HOST, 'binding:vif_type': 'bridge' });
    expect((await call('demo', 'PUT', `/v2.0/ports/${p.id}`, { port: { 'binding:host_id': 'x' } })).statusCode).toBe(403);
  });

  it('honours requested addresses and refuses taken ones', async () => {
    const n = await network();
    const s = await subnet('demo', { network_id: n.id, cidr: '10.11.0.0/24' });
    const p = await port('demo', { network_id: n.id, fixed_ips: [{ ip_address: '10.11.0.50' }] });
    expect(p.fixed_ips).toEqual([{ subnet_id: s.id, ip_address: '10.11.0.50' }]);
    const again = await call('demo', 'POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ subnet_id: s.id, ip_address: '10.11.0.50' }] } });
    expect(again.statusCode).toBe(409);
    expect(fault(again).type).toBe('IpAddressAlreadyAllocated');
    const outside = await call('demo', 'POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '10.12.0.5' }] } });
    expect(fault(outside).type).toBe('InvalidIpForNetwork');
    const mac = await call('demo', 'POST', '/v2.0/ports', { port: { network_id: n.id, mac_address: p.mac_address } });
    expect(mac.statusCode).toBe(409);
    expect(fault(mac).type).toBe('MacAddressInUse');
    const moved = await call('demo', 'PUT', `/v2.0/ports/${p.id}`, { port: { fixed_ips: [{ subnet_id: s.id, ip_address: '10.11.0.60' }] } });
    expect(moved.json().port.fixed_ips).toEqual([{ subnet_id: s.id, ip_address: '10.11.0.60' }]);
    expect((await port('demo', { network_id: n.id, fixed_ips: [{ ip_address: '10.11.0.50' }] })).fixed_ips[0].ip_address).toBe('10.11.0.50');
  });

  it('never hands out one address twice under 200 parallel creates, then answers IpAddressGenerationFailure', async () => {
    const n = await network();
    await subnet('demo', { network_id: n.id, cidr: '10.20.0.0/24', allocation_pools: [{ start: '10.20.0.10', end: '10.20.0.199' }] });
    const results = await Promise.all(Array.from({ length: 200 }, () => call('demo', 'POST', '/v2.0/ports', { port: { network_id: n.id } })));
    const ok = results.filter((r) => r.statusCode === 201).map((r) => r.json().port.fixed_ips[0].ip_address as string);
    const full = results.filter((r) => r.statusCode === 409);
    expect(ok.length).toBe(190);
    expect(new Set(ok).size).toBe(190);
    expect(full.length).toBe(10);
    for (const r of full) expect(fault(r).type).toBe('IpAddressGenerationFailure');
    const listed = (await call('demo', 'GET', `/v2.0/ports?network_id=${n.id}`)).json().ports;
    expect(listed.length).toBe(190);
  });

  it('keeps networks and subnets with ports in use', async () => {
    const n = await network();
    const s = await subnet('demo', { network_id: n.id, cidr: '10.30.0.0/24' });
    const p = await port('demo', { network_id: n.id });
    const netDel = await call('demo', 'DELETE', `/v2.0/networks/${n.id}`);
    expect(netDel.statusCode).toBe(409);
    expect(fault(netDel).type).toBe('NetworkInUse');
    const subDel = await call('demo', 'DELETE', `/v2.0/subnets/${s.id}`);
    expect(subDel.statusCode).toBe(409);
    expect(fault(subDel).type).toBe('SubnetInUse');
    expect((await call('demo', 'DELETE', `/v2.0/ports/${p.id}`)).statusCode).toBe(204);
    expect((await call('demo', 'DELETE', `/v2.0/networks/${n.id}`)).statusCode).toBe(204);
    expect((await call('demo', 'GET', `/v2.0/subnets/${s.id}`)).statusCode).toBe(404);
  });

  it('filters, pages and tags ports', async () => {
    const n = await network();
    await subnet('demo', { network_id: n.id, cidr: '10.40.0.0/24' });
    const a = await port('demo', { network_id: n.id, name: 'a', device_id: 'vm-1' });
    await port('demo', { network_id: n.id, name: 'b' });
    const byDevice = (await call('demo', 'GET', '/v2.0/ports?device_id=vm-1')).json().ports;
    expect(byDevice.map((p: any) => p.id)).toEqual([a.id]);
    expect((await call('demo', 'PUT', `/v2.0/ports/${a.id}/tags/red`)).statusCode).toBe(201);
    expect((await call('demo', 'GET', `/v2.0/ports?tags=red`)).json().ports.map((p: any) => p.id)).toEqual([a.id]);
    expect((await call('alt', 'GET', `/v2.0/ports/${a.id}`)).statusCode).toBe(404);
    const page = (await call('demo', 'GET', `/v2.0/ports?network_id=${n.id}&limit=1&fields=id&fields=name`)).json();
    expect(Object.keys(page.ports[0]).sort()).toEqual(['id', 'name']);
    expect(page.ports_links[0].rel).toBe('next');
  });
});

describe('Neutron conventions Tempest relies on', () => {
  it('creates in bulk, all or nothing', async () => {
    const ok = await call('demo', 'POST', '/v2.0/networks', { networks: [{ name: 'b1' }, { name: 'b2' }] });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().networks.map((n: any) => n.name)).toEqual(['b1', 'b2']);
    const before = (await call('demo', 'GET', '/v2.0/networks')).json().networks.length;
    const bad = await call('demo', 'POST', '/v2.0/networks', { networks: [{ name: 'b3' }, { name: 'b4', mtu: 1 }] });
    expect(bad.statusCode).toBe(400);
    expect((await call('demo', 'GET', '/v2.0/networks')).json().networks.length).toBe(before);
  });

  it('filters ports by fixed_ips and accepts a .json suffix', async () => {
    const n = await network();
    const s = await subnet('demo', { network_id: n.id, cidr: '10.60.0.0/24' });
    const a = await port('demo', { network_id: n.id });
    await port('demo', { network_id: n.id });
    const byIp = (await call('demo', 'GET', `/v2.0/ports.json?fixed_ips=ip_address%3D${a.fixed_ips[0].ip_address}`)).json().ports;
    expect(byIp.map((p: any) => p.id)).toEqual([a.id]);
    const bySubnet = (await call('demo', 'GET', `/v2.0/ports?fixed_ips=subnet_id%3D${s.id}`)).json().ports;
    expect(bySubnet.length).toBe(2);
  });

  it('gives ports already on the network their EUI-64 address when a SLAAC subnet is added, router interfaces excepted', async () => {
    const n = await network();
    const v4 = await subnet('demo', { network_id: n.id, cidr: '10.62.0.0/24' });
    const p = await port('demo', { network_id: n.id, mac_address: 'fa:16:3e:11:22:44' });
    const r = await made('demo', 'routers', 'router', {});
    expect((await call('demo', 'PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: v4.id })).statusCode).toBe(200);
    const v6 = await subnet('demo', { network_id: n.id, ip_version: 6, cidr: '2001:db8:62::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
    const after = (await call('demo', 'GET', `/v2.0/ports/${p.id}`)).json().port;
    // (The order of fixed_ips is the database's: compare them as a set.)
    expect(after.fixed_ips).toHaveLength(2);
    expect(after.fixed_ips).toEqual(expect.arrayContaining([{ subnet_id: v4.id, ip_address: '10.62.0.2' }, { subnet_id: v6.id, ip_address: '2001:db8:62:0:f816:3eff:fe11:2244' }]));
    expect(after.revision_number).toBe(p.revision_number + 1);
    const rports = (await call('demo', 'GET', `/v2.0/ports?device_id=${r.id}`)).json().ports as Array<{ fixed_ips: unknown[] }>;
    expect(rports.map((x) => x.fixed_ips)).toEqual([[{ subnet_id: v4.id, ip_address: '10.62.0.1' }]]);
    // A stateful DHCPv6 subnet hands out nothing by itself.
    await subnet('demo', { network_id: n.id, ip_version: 6, cidr: '2001:db8:63::/64', ipv6_ra_mode: 'dhcpv6-stateful', ipv6_address_mode: 'dhcpv6-stateful' });
    expect((await call('demo', 'GET', `/v2.0/ports/${p.id}`)).json().port.fixed_ips.length).toBe(2);
  });

  it('drops SLAAC addresses with their subnet instead of refusing the delete', async () => {
    const n = await network();
    const v6 = await subnet('demo', { network_id: n.id, ip_version: 6, cidr: '2001:db8:9::/64', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' });
    const v4 = await subnet('demo', { network_id: n.id, cidr: '10.61.0.0/24' });
    const p = await port('demo', { network_id: n.id });
    expect(p.fixed_ips.length).toBe(2);
    expect((await call('demo', 'DELETE', `/v2.0/subnets/${v6.id}`)).statusCode).toBe(204);
    expect((await call('demo', 'GET', `/v2.0/ports/${p.id}`)).json().port.fixed_ips).toEqual([{ subnet_id: v4.id, ip_address: '10.61.0.2' }]);
    expect((await call('demo', 'DELETE', `/v2.0/subnets/${v4.id}`)).statusCode).toBe(409);
  });
});
