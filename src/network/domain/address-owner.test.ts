import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../core/bus/index.js';
import { addressResolverOverBus } from '../metadata-proxy/address-resolver.js';
import { servePluginEndpoint } from '../rpc/plugin-endpoint.js';
import { PLUGIN_TOPIC } from '../rpc/contract.js';
import { callerFor, creatorFor, networkFixture, PROJECTS, type NetworkFixture } from '../test-support.js';
import { addressOwner } from './address-owner.js';

let f: NetworkFixture;
const call = callerFor(() => f);
const made = creatorFor(call);

/** Two projects' networks with the same range and the same address on a server in each; a router on the first. */
const ids = { netA: '', netB: '', router: '', emptyRouter: '' };

beforeAll(async () => {
  f = await networkFixture();
  const netA = await made('demo', 'networks', 'network', { name: 'a' });
  const subA = await made('demo', 'subnets', 'subnet', { network_id: netA.id, ip_version: 4, cidr: '10.1.0.0/24' });
  const netB = await made('alt', 'networks', 'network', { name: 'b' });
  const subB = await made('alt', 'subnets', 'subnet', { network_id: netB.id, ip_version: 4, cidr: '10.1.0.0/24' });
  await made('demo', 'ports', 'port', { network_id: netA.id, device_id: 'vm-a', device_owner: 'compute:nova', fixed_ips: [{ subnet_id: subA.id, ip_address: '10.1.0.5' }] });
  await made('alt', 'ports', 'port', { network_id: netB.id, device_id: 'vm-b', device_owner: 'compute:nova', fixed_ips: [{ subnet_id: subB.id, ip_address: '10.1.0.5' }] });
  await made('demo', 'ports', 'port', { network_id: netA.id, device_id: 'lb-1', device_owner: 'neutron:LOADBALANCERV2', fixed_ips: [{ subnet_id: subA.id, ip_address: '10.1.0.6' }] });
  const router = await made('demo', 'routers', 'router', { name: 'r' });
  const added = await call('demo', 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subA.id });
  if (added.statusCode !== 200) throw new Error(added.body);
  const emptyRouter = await made('demo', 'routers', 'router', { name: 'empty' });
  Object.assign(ids, { netA: netA.id, netB: netB.id, router: router.id, emptyRouter: emptyRouter.id });
});
afterAll(async () => { await f?.close(); });

describe('addressOwner', () => {
  it('network: the server holding the address on that network, with its project', async () => {
    expect(await addressOwner(f.svc, { networkId: ids.netA, ip: '10.1.0.5' })).toEqual({ instanceId: 'vm-a', projectId: PROJECTS.demo });
    expect(await addressOwner(f.svc, { networkId: ids.netB, ip: '10.1.0.5' })).toEqual({ instanceId: 'vm-b', projectId: PROJECTS.alt });
  });

  it('router: the server on a network the router has an interface on, not the same address elsewhere', async () => {
    expect(await addressOwner(f.svc, { routerId: ids.router, ip: '10.1.0.5' })).toEqual({ instanceId: 'vm-a', projectId: PROJECTS.demo });
    expect(await addressOwner(f.svc, { routerId: ids.emptyRouter, ip: '10.1.0.5' })).toBeNull();
    expect(await addressOwner(f.svc, { routerId: 'no-such-router', ip: '10.1.0.5' })).toBeNull();
  });

  it('null: a free address, a port that is not a server, the router interface itself, a malformed address, no network named', async () => {
    expect(await addressOwner(f.svc, { networkId: ids.netA, ip: '10.1.0.77' })).toBeNull();
    expect(await addressOwner(f.svc, { networkId: ids.netA, ip: '10.1.0.6' })).toBeNull();
    expect(await addressOwner(f.svc, { routerId: ids.router, ip: '10.1.0.1' })).toBeNull();
    expect(await addressOwner(f.svc, { networkId: ids.netA, ip: 'not-an-ip' })).toBeNull();
    expect(await addressOwner(f.svc, { ip: '10.1.0.5' })).toBeNull();
  });
});

describe('get_address_owner over the bus', () => {
  let bus: InProcessBus;
  beforeAll(async () => {
    bus = new InProcessBus({ defaultTimeoutMs: 5000 });
    await servePluginEndpoint(bus, f.svc);
  });
  afterAll(async () => { await bus?.close(); });

  it('answers the metadata agent with instance and project, or null', async () => {
    const resolve = addressResolverOverBus(bus);
    expect(await resolve({ networkId: ids.netB, ip: '10.1.0.5' })).toEqual({ instanceId: 'vm-b', projectId: PROJECTS.alt });
    expect(await resolve({ routerId: ids.router, ip: '10.1.0.5' })).toEqual({ instanceId: 'vm-a', projectId: PROJECTS.demo });
    expect(await resolve({ networkId: ids.netA, ip: '10.1.0.99' })).toBeNull();
  });

  it('refuses a request that names neither network nor router, or no address', async () => {
    await expect(bus.call({ topic: PLUGIN_TOPIC }, 'get_address_owner', { ip: '10.1.0.5' })).rejects.toThrow(/network_id or router_id/);
    await expect(bus.call({ topic: PLUGIN_TOPIC }, 'get_address_owner', { network_id: ids.netA })).rejects.toThrow(/ip/);
  });
});
