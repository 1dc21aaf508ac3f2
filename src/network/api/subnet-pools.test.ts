import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, callerFor, fault, networkFixture, type NetworkFixture } from '../test-support.js';

let f: NetworkFixture;
beforeAll(async () => { f = await networkFixture(); });
afterAll(async () => { await f.close(); });

const call = callerFor(() => f);

describe('subnet pools', () => {
  it('carves subnets first-free, honours a requested cidr, and refuses overlaps and exhaustion', async () => {
    const created = await call('demo', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'pool', prefixes: ['10.100.0.0/22'], default_prefixlen: 24 } });
    expect(created.statusCode, created.body).toBe(201);
    const pool = created.json().subnetpool;
    expect(pool).toMatchObject({ prefixes: ['10.100.0.0/22'], default_prefixlen: 24, min_prefixlen: 8, max_prefixlen: 32, ip_version: 4, shared: false });
    const net = (await call('demo', 'POST', '/v2.0/networks', { network: {} })).json().network;
    const net2 = (await call('demo', 'POST', '/v2.0/networks', { network: {} })).json().network;
    const sub = (body: Record<string, unknown>, network = net.id) => call('demo', 'POST', '/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, subnetpool_id: pool.id, ...body } });
    const a = (await sub({})).json().subnet;
    expect(a).toMatchObject({ cidr: '10.100.0.0/24', subnetpool_id: pool.id, gateway_ip: '10.100.0.1' });
    const b = (await sub({ cidr: '10.100.2.0/24' }, net2.id)).json().subnet;
    expect(b.cidr).toBe('10.100.2.0/24');
    const parallel = await Promise.all([sub({ prefixlen: 25 }, net2.id), sub({ prefixlen: 26 }, net2.id)]);
    // Both carved from the pool without overlapping, whatever order they ran in.
    expect(parallel.map((r) => r.statusCode)).toEqual([201, 201]);
    expect(fault(await sub({ cidr: '10.100.2.0/25' }, net2.id)).type).toBe('SubnetAllocationError');
    expect(fault(await sub({ cidr: '10.200.0.0/24' }, net2.id)).type).toBe('SubnetAllocationError');
    expect(fault(await sub({ prefixlen: 33 }, net2.id)).type).toBe('InvalidInput');
    const net3 = (await call('demo', 'POST', '/v2.0/networks', { network: {} })).json().network;
    expect(fault(await sub({ prefixlen: 23 }, net3.id)).type).toBe('SubnetAllocationError');
    expect(fault(await call('demo', 'DELETE', `/v2.0/subnetpools/${pool.id}`)).type).toBe('SubnetPoolInUse');
    const grown = await call('demo', 'PUT', `/v2.0/subnetpools/${pool.id}`, { subnetpool: { prefixes: ['10.100.0.0/22', '10.100.4.0/22'] } });
    expect(grown.json().subnetpool.prefixes).toEqual(['10.100.0.0/21']);
    expect(fault(await call('demo', 'PUT', `/v2.0/subnetpools/${pool.id}`, { subnetpool: { prefixes: ['10.100.4.0/22'] } })).type).toBe('IllegalSubnetPoolPrefixUpdate');
    expect((await call('alt', 'GET', `/v2.0/subnetpools/${pool.id}`)).statusCode).toBe(404);
  });

  it('serves a default pool for use_default_subnetpool and keeps one default per family', async () => {
    const pool = (await call('admin', 'POST', '/v2.0/subnetpools', { subnetpool: { name: 'def', prefixes: ['2001:db8::/48'], is_default: true, shared: true } })).json().subnetpool;
    expect(pool).toMatchObject({ ip_version: 6, default_prefixlen: 64, is_default: true });
    expect(fault(await call('admin', 'POST', '/v2.0/subnetpools', { subnetpool: { prefixes: ['2001:db9::/48'], is_default: true } })).type).toBe('BadRequest');
    expect((await call('demo', 'POST', '/v2.0/subnetpools', { subnetpool: { prefixes: ['10.0.0.0/8'], shared: true } })).statusCode).toBe(403);
    const net = (await call('alt', 'POST', '/v2.0/networks', { network: {} })).json().network;
    const s = await call('alt', 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, use_default_subnetpool: true } });
    expect(s.statusCode, s.body).toBe(201);
    expect(s.json().subnet).toMatchObject({ cidr: '2001:db8::/64', subnetpool_id: pool.id });
  });
});
