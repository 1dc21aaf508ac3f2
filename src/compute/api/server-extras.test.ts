import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootBasics, bootServer, computeCaller, computeFixture, novaFault, restCall, waitForServer, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
let imageId: string;
let networkId: string;
let flavor: string;
const call = computeCaller(() => f);

beforeAll(async () => {
  f = await computeFixture({ hosts: ['host-1'] });
  ({ imageId, networkId } = await bootBasics(f, '10.8.0.0/24'));
  flavor = (await call('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'ex.small', ram: 256, vcpus: 1, disk: 1 } })).json().flavor.id;
}, 60_000);
afterAll(async () => { await f.close(); });

const bootActive = (name: string): Promise<any> => bootServer(call, { imageId, networkId, flavorId: flavor }, name);

describe('compute: consoles, passwords, interfaces', () => {
  it('console url show: a noVNC URL with a one-time token an admin can look up; other types are unavailable', async () => {
    const s = await bootActive('screen');
    const res = await call('demo', 'POST', `/v2.1/servers/${s.id}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'novnc' } }, '2.6');
    expect(res.statusCode, res.body).toBe(200);
    const { url } = res.json().remote_console;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:6080\/vnc_auto\.html\?path=%3Ftoken%3D[0-9a-f-]{36}$/);
    const token = decodeURIComponent(new URL(url).searchParams.get('path')!).replace('?token=', '');
    const looked = await call('admin', 'GET', `/v2.1/os-console-auth-tokens/${token}`, undefined, '2.31');
    expect(looked.json().console).toMatchObject({ instance_uuid: s.id, host: '127.0.0.1', port: 5900 });
    expect((await call('admin', 'GET', '/v2.1/os-console-auth-tokens/nope', undefined, '2.31')).statusCode).toBe(404);
    expect((await call('demo', 'GET', `/v2.1/os-console-auth-tokens/${token}`, undefined, '2.31')).statusCode).toBe(403);
    const spice = await call('demo', 'POST', `/v2.1/servers/${s.id}/remote-consoles`, { remote_console: { protocol: 'spice', type: 'spice-html5' } }, '2.6');
    expect(spice.statusCode).toBe(400);
    const legacy = await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { 'os-getVNCConsole': { type: 'novnc' } });
    expect(legacy.json().console.url).toContain('vnc_auto.html?path=');
    const mismatched = await call('demo', 'POST', `/v2.1/servers/${s.id}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'serial' } }, '2.6');
    expect(mismatched.statusCode).toBe(400);
    expect(novaFault(mismatched).message).toBe('Invalid console type serial');
  });

  it('changePassword on an ACTIVE server; 409 when it is stopped', async () => {
    const s = await bootActive('secret');
    const ok = await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { changePassword: { adminPass: 'n3w-pass' } });
    expect(ok.statusCode, ok.body).toBe(202);
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}`)).json().server.status).toBe('ACTIVE');
    await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { 'os-stop': null });
    await waitForServer(call, s.id, ['SHUTOFF']);
    const stopped = await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { changePassword: { adminPass: 'x' } });
    expect(stopped.statusCode).toBe(409);
    expect(novaFault(stopped).message).toContain("Cannot 'changePassword' instance");
  });

  it('attaches a port on a network with a chosen address, lists and shows it, detaches it (and deletes the port it made)', async () => {
    const s = await bootActive('multi-nic');
    const other = await restCall(f.networkUrl, 'demo', 'POST', '/v2.0/networks', { network: { name: 'second' } });
    await restCall(f.networkUrl, 'demo', 'POST', '/v2.0/subnets', { subnet: { network_id: other.network.id, ip_version: 4, cidr: '10.9.0.0/24' } });
    const both = await call('demo', 'POST', `/v2.1/servers/${s.id}/os-interface`, { interfaceAttachment: { port_id: s.id, net_id: other.network.id } });
    expect(novaFault(both).message).toBe('Must not input both network_id and port_id');
    const res = await call('demo', 'POST', `/v2.1/servers/${s.id}/os-interface`, { interfaceAttachment: { net_id: other.network.id, fixed_ips: [{ ip_address: '10.9.0.50' }] } });
    expect(res.statusCode, res.body).toBe(200);
    const attached = res.json().interfaceAttachment;
    expect(attached).toMatchObject({ net_id: other.network.id, fixed_ips: [{ ip_address: '10.9.0.50' }] });
    const taken = await call('demo', 'POST', `/v2.1/servers/${s.id}/os-interface`, { interfaceAttachment: { net_id: other.network.id, fixed_ips: [{ ip_address: '10.9.0.50' }] } });
    expect(taken.statusCode).toBe(409);
    const list = (await call('demo', 'GET', `/v2.1/servers/${s.id}/os-interface`, undefined, '2.70')).json().interfaceAttachments;
    expect(list).toHaveLength(2);
    expect(list[0]).toHaveProperty('tag');
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}/os-interface/${attached.port_id}`)).json().interfaceAttachment.port_id).toBe(attached.port_id);
    const server = (await call('demo', 'GET', `/v2.1/servers/${s.id}`)).json().server;
    expect(server.addresses.second[0].addr).toBe('10.9.0.50');
    expect((await call('demo', 'DELETE', `/v2.1/servers/${s.id}/os-interface/${attached.port_id}`)).statusCode).toBe(202);
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}/os-interface`)).json().interfaceAttachments).toHaveLength(1);
    const gone = await fetch(`${f.networkUrl}/v2.0/ports/${attached.port_id}`, { headers: { 'x-auth-token': 'admin' } });
    expect(gone.status).toBe(404);
    expect((await call('demo', 'DELETE', `/v2.1/servers/${s.id}/os-interface/${attached.port_id}`)).statusCode).toBe(404);
  });
});

describe('compute: external events and the server password', () => {
  it('delivers network-vif-plugged to the host (200), 404 for unknown servers, 207 when mixed; admins only', async () => {
    const s = await bootActive('evented');
    const one = { name: 'network-vif-plugged', server_uuid: s.id, tag: 'some-port' };
    expect((await call('demo', 'POST', '/v2.1/os-server-external-events', { events: [one] })).statusCode).toBe(403);
    const ok = await call('admin', 'POST', '/v2.1/os-server-external-events', { events: [one] });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().events[0]).toMatchObject({ code: 200, status: 'completed', tag: 'some-port' });
    const waiting = f.agents[0]!.events.prepare(s.id, 'network-vif-plugged', 'port-x');
    const mixed = await call('admin', 'POST', '/v2.1/os-server-external-events', {
      events: [{ name: 'network-vif-plugged', server_uuid: s.id, tag: 'port-x', status: 'failed' }, { name: 'network-changed', server_uuid: '00000000-0000-0000-0000-000000000000' }],
    });
    expect(mixed.statusCode).toBe(207);
    expect(mixed.json().events.map((e: any) => e.code)).toEqual([200, 404]);
    expect(await waiting).toBe('failed');
    expect((await call('admin', 'POST', '/v2.1/os-server-external-events', { events: [{ name: 'network-changed', server_uuid: 'nope' }] })).statusCode).toBe(404);
    expect((await call('admin', 'POST', '/v2.1/os-server-external-events', { events: [{ ...one, name: 'volume-extended' }] }, '2.50')).statusCode).toBe(400);
  });

  it('os-server-password shows what the guest stored and clears it', async () => {
    const s = await bootActive('pw');
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}/os-server-password`)).json()).toEqual({ password: '' });
    const { storePassword } = await import('../metadata/password.js');
    expect(await storePassword(f.svc, s.id, 'ZW5jcnlwdGVk')).toBe('stored');
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}/os-server-password`)).json()).toEqual({ password: 'ZW5jcnlwdGVk' });
    expect((await call('demo', 'DELETE', `/v2.1/servers/${s.id}/os-server-password`)).statusCode).toBe(204);
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}/os-server-password`)).json()).toEqual({ password: '' });
  });
});
