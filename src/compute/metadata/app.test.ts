import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInstanceId } from '../contract/metadata-signature.js';
import { fakeNetworkInfo, fakePort, fakeSubnet, metadataTestbed, TEST_SECRET, type MetadataTestbed } from './test-support.js';

let t: MetadataTestbed;
let web: string;
let db: string;

const signed = (uuid: string, tenant = 'p-demo', signature = signInstanceId(TEST_SECRET, uuid)): Record<string, string> =>
  ({ 'x-instance-id': uuid, 'x-instance-id-signature': signature, 'x-tenant-id': tenant, 'x-forwarded-for': '10.0.0.5' });

const get = (url: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') => t.app.inject({ method: 'GET', url, headers, remoteAddress });
const post = (url: string, payload: string | Buffer, headers: Record<string, string>) => t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'text/plain' }, payload });

beforeAll(async () => {
  t = await metadataTestbed();
  const netA = fakeSubnet('sub-a', 'net-a', '10.0.0.0/24', { gateway_ip: '10.0.0.1' });
  const netB = fakeSubnet('sub-b', 'net-b', '10.0.0.0/24');
  t.network.subnetList.push(netA, netB);
  t.network.networkList.push(fakeNetworkInfo('net-a'), fakeNetworkInfo('net-b'));
  web = await t.addInstance({ display_name: 'web', hostname: 'web', key_name: 'k1', key_data: 'ssh-rsa AAAA web', user_data: Buffer.from('#!/bin/sh\necho hi').toString('base64') });
  // Same address on another project's network: only the network or router says which instance asks.
  db = await t.addInstance({ display_name: 'db', hostname: 'db', project_id: 'p-other' });
  t.network.portList.push(fakePort(web, netA, '10.0.0.5', 'port-web-01'), fakePort(db, netB, '10.0.0.5', 'port-db-02'));
  t.network.portList.push({ ...fakePort('router-1', netB, '10.0.0.1', 'port-rtr-03'), device_owner: 'network:router_interface' });
  await t.svc.db.insertInto('instance_metadata').values({ instance_uuid: web, key: 'role', value: 'frontend' }).execute();
});
afterAll(async () => { await t.close(); });

describe('metadata service: signed proxy requests', () => {
  it('accepts a good signature and serves meta_data.json as JSON', async () => {
    const res = await get('/openstack/latest/meta_data.json', signed(web));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({
      uuid: web, name: 'web', hostname: 'web.novalocal', project_id: 'p-demo', meta: { role: 'frontend' },
      public_keys: { k1: 'ssh-rsa AAAA web' }, keys: [{ name: 'k1', type: 'ssh', data: 'ssh-rsa AAAA web' }], random_seed: Buffer.alloc(512, 1).toString('base64'),
    });
    expect((await get('/openstack/latest/user_data', signed(web))).body).toBe('#!/bin/sh\necho hi');
  });

  it('rejects a wrong or missing signature with Nova\'s 403 and 400', async () => {
    const bad = await get('/openstack/latest/meta_data.json', signed(web, 'p-demo', signInstanceId('other-secret', web)));
    expect(bad.statusCode).toBe(403);
    expect(bad.headers['content-type']).toMatch(/^text\/plain/);
    expect(bad.body).toBe('403 Forbidden\n\nInvalid proxy request signature.\n\n   ');
    expect((await get('/openstack/latest/meta_data.json', signed(web, 'p-demo', 'f'.repeat(64)))).statusCode).toBe(403);
    const { 'x-instance-id-signature': _, ...unsigned } = signed(web);
    const missing = await get('/openstack/latest/meta_data.json', unsigned);
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('X-Instance-ID-Signature header is missing from request.');
  });

  it('404s a tenant that is not the instance\'s, an unknown instance and a deleted one', async () => {
    expect((await get('/openstack/latest/meta_data.json', signed(web, 'p-other'))).statusCode).toBe(404);
    const unknown = await get('/openstack/latest/meta_data.json', signed('00000000-0000-4000-8000-000000000000'));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toBe('404 Not Found\n\nThe resource could not be found.\n\n   ');
    const gone = await t.addInstance({ deleted_at: t.clock.now().toISOString() });
    expect((await get('/openstack/latest/meta_data.json', signed(gone))).statusCode).toBe(404);
  });

  it('refuses signed requests when no shared secret is configured', async () => {
    const open = await metadataTestbed({ sharedSecret: null });
    try {
      const uuid = await open.addInstance();
      const res = await open.app.inject({ method: 'GET', url: '/openstack/latest/meta_data.json', headers: { 'x-instance-id': uuid, 'x-instance-id-signature': signInstanceId('', uuid), 'x-tenant-id': 'p-demo' } });
      expect(res.statusCode).toBe(403);
    } finally {
      await open.close();
    }
  });
});

describe('metadata service: identification by address', () => {
  it('finds the instance by fixed IP, told apart by the network or router id', async () => {
    // Two instances have 10.0.0.5: without a hint nobody is served.
    expect((await get('/openstack/latest/meta_data.json', { 'x-forwarded-for': '10.0.0.5' })).statusCode).toBe(404);
    const onA = await get('/openstack/latest/meta_data.json', { 'x-forwarded-for': '10.0.0.5', 'x-neutron-network-id': 'net-a' });
    expect(onA.json().uuid).toBe(web);
    const viaRouter = await get('/openstack/latest/meta_data.json', { 'x-forwarded-for': '10.0.0.5', 'x-neutron-router-id': 'router-1' });
    expect(viaRouter.json().uuid).toBe(db);
    expect((await get('/latest/meta-data/instance-id', { 'x-forwarded-for': '10.0.0.5', 'x-neutron-network-id': 'net-a' })).body).toMatch(/^i-[0-9a-f]{8}$/);
  });

  it('believes X-Forwarded-For only from loopback unless use_forwarded_for is on', async () => {
    // A guest at 10.0.0.77 claiming to be 10.0.0.5 is itself: no instance has 10.0.0.77.
    const spoof = await get('/openstack/latest/meta_data.json', { 'x-forwarded-for': '10.0.0.5', 'x-neutron-network-id': 'net-a' }, '10.0.0.77');
    expect(spoof.statusCode).toBe(404);
    const direct = await get('/latest/meta-data/hostname', { 'x-neutron-network-id': 'net-b' }, '10.0.0.5');
    expect(direct.statusCode).toBe(404);
  });

  it('no instance at an address, or no address at all, is a 404', async () => {
    expect((await get('/openstack/latest/meta_data.json', { 'x-forwarded-for': '10.9.9.9' })).statusCode).toBe(404);
    expect((await get('/openstack/latest/meta_data.json', { 'x-forwarded-for': 'not-an-ip' })).statusCode).toBe(404);
  });

  it('caches network lookups for metadata_cache_expiration seconds', async () => {
    const headers = { 'x-forwarded-for': '10.0.0.5', 'x-neutron-network-id': 'net-a' };
    await get('/openstack/latest/meta_data.json', headers);
    const before = t.network.portQueries;
    await get('/openstack/latest/network_data.json', headers);
    expect(t.network.portQueries).toBe(before);
    t.clock.advance(16_000);
    await get('/openstack/latest/network_data.json', headers);
    expect(t.network.portQueries).toBeGreaterThan(before);
  });
});

describe('metadata service: HTTP surface', () => {
  it('lists versions at / without identifying anyone, and the OpenStack tree', async () => {
    const root = await get('/', {}, '192.0.2.1');
    expect(root.statusCode).toBe(200);
    expect(root.body.split('\n').at(-1)).toBe('latest');
    const versions = await get('/openstack', signed(web));
    expect(versions.body.split('\n')).toContain('2020-10-14');
    const net = await get('/openstack/latest/network_data.json', signed(web));
    expect(net.headers['content-type']).toMatch(/^text\/plain/);
    expect(net.json().networks[0]).toMatchObject({ type: 'ipv4', ip_address: '10.0.0.5', network_id: 'net-a', routes: [{ gateway: '10.0.0.1' }] });
    expect(net.json().links[0]).toMatchObject({ vif_id: 'port-web-01', mtu: 1450, type: 'ovs' });
    expect((await get('/openstack/latest/nothing-here', signed(web))).statusCode).toBe(404);
    const undecodable = await get('/openstack/latest/%E0%A4%A', signed(web));
    expect(undecodable.statusCode).toBe(400);
    expect(undecodable.body).toMatch(/^400 Bad Request\n\n/);
  });

  it('405s writes to documents and other methods, with a plain-text body', async () => {
    const res = await post('/openstack/latest/meta_data.json', 'x', signed(web));
    expect(res.statusCode).toBe(405);
    expect(res.body).toBe('405 Method Not Allowed\n\nThe method POST is not allowed for this resource.\n\n   ');
    expect((await t.app.inject({ method: 'DELETE', url: '/openstack/latest/password', headers: signed(web) })).statusCode).toBe(405);
  });
});

describe('metadata service: password', () => {
  it('is empty, is set once by POST, then 409; kept in system metadata as password_0..3', async () => {
    const uuid = await t.addInstance({ system_metadata: JSON.stringify({ image_properties: '{}' }) });
    expect((await get('/openstack/latest/password', signed(uuid))).body).toBe('');
    const secret = 'x'.repeat(300);
    const first = await post('/openstack/latest/password', secret, signed(uuid));
    expect(first.statusCode, first.body).toBe(200);
    expect((await get('/openstack/2013-04-04/password', signed(uuid))).body).toBe(secret);
    const again = await post('/openstack/latest/password', 'other', signed(uuid));
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('409 Conflict');
    const row = await t.svc.db.selectFrom('instances').select('system_metadata').where('uuid', '=', uuid).executeTakeFirstOrThrow();
    expect(JSON.parse(row.system_metadata)).toEqual({ image_properties: '{}', password_0: 'x'.repeat(255), password_1: 'x'.repeat(45), password_2: '', password_3: '' });
  });

  it('refuses more than 1020 bytes with 400 and stores nothing', async () => {
    const uuid = await t.addInstance();
    const res = await post('/openstack/latest/password', 'y'.repeat(1021), signed(uuid));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Request is too large.');
    expect((await get('/openstack/latest/password', signed(uuid))).body).toBe('');
    expect((await post('/openstack/latest/password', 'y'.repeat(1020), signed(uuid))).statusCode).toBe(200);
  });

  it('takes the body whatever its content type, or with none', async () => {
    const uuid = await t.addInstance();
    const res = await t.app.inject({ method: 'POST', url: '/openstack/latest/password', headers: signed(uuid), payload: Buffer.from('{"not":"parsed"}') });
    expect(res.statusCode, res.body).toBe(200);
    expect((await get('/openstack/latest/password', signed(uuid))).body).toBe('{"not":"parsed"}');
    const head = await t.app.inject({ method: 'HEAD', url: '/openstack/latest/password', headers: signed(uuid) });
    expect(head.statusCode).toBe(200);
  });

  it('two racing posts: exactly one wins', async () => {
    const uuid = await t.addInstance();
    const results = await Promise.all([post('/openstack/latest/password', 'a', signed(uuid)), post('/openstack/latest/password', 'b', signed(uuid))]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
  });
});
