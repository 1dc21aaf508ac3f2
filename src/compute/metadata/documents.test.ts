import { describe, expect, it } from 'vitest';
import { configDriveFiles } from './config-drive.js';
import { buildNetworkData } from './network-data.js';
import { resolvePath, type Answer } from './resolve.js';
import type { MetadataSource, VifFacts } from './source.js';

const seed = (size: number): Buffer => Buffer.alloc(size, 7);
const facts = { now: new Date('2026-01-01T00:00:00Z'), randomBytes: seed, address: '10.0.0.99' };

const v4Port: VifFacts = {
  portId: '11111111-2222-3333-4444-555555555555', macAddress: 'fa:16:3e:00:00:01', vifType: 'ovs', networkId: 'net-a', mtu: 1450,
  subnets: [{
    version: 4, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', dnsNameservers: ['8.8.8.8'], hostRoutes: [{ destination: '172.16.0.0/16', nexthop: '10.0.0.254' }],
    ips: ['10.0.0.5'], dhcp: false, ipv6AddressMode: null,
  }],
};
const v6Port: VifFacts = {
  portId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', macAddress: 'fa:16:3e:00:00:02', vifType: 'unbound', networkId: 'net-b', mtu: 1500,
  subnets: [
    { version: 6, cidr: '2001:db8:1::/64', gatewayIp: '2001:db8:1::1', dnsNameservers: ['8.8.8.8', '2001:4860:4860::8888'], hostRoutes: [], ips: ['2001:db8:1::5'], dhcp: false, ipv6AddressMode: null },
    { version: 4, cidr: '192.168.5.0/24', gatewayIp: null, dnsNameservers: [], hostRoutes: [], ips: ['192.168.5.9'], dhcp: true, ipv6AddressMode: null },
  ],
};

function source(over: Partial<MetadataSource> = {}): MetadataSource {
  return {
    uuid: 'b0e1c2d3-0000-4000-8000-000000000001', ec2InstanceId: 'i-0000000a', ec2ImageId: 'ami-1234abcd', name: 'web 1', hostname: 'web-1.novalocal',
    launchIndex: 0, availabilityZone: 'nova', projectId: 'p-demo', reservationId: 'r-abcdefgh', flavorName: 'm1.tiny',
    blockDeviceMapping: { ami: 'vda', root: '/dev/vda' }, securityGroups: ['default', 'web'], meta: {}, userData: null, key: null, password: null, injectedFiles: [],
    vifs: [v4Port], floatingIps: [], ...over,
  };
}

const get = (s: MetadataSource, path: string): Answer => resolvePath(s, path, facts);
const body = (a: Answer): string => {
  if (a.kind !== 'content') throw new Error(`expected content, got ${a.kind}`);
  return a.body.toString();
};
const metaData = (s: MetadataSource, version = 'latest'): Record<string, unknown> => JSON.parse(body(get(s, `/openstack/${version}/meta_data.json`))) as Record<string, unknown>;

const KEY = { name: 'mykey', type: 'ssh', publicKey: 'ssh-ed25519 AAAAC3Nza demo@host' };

describe('metadata documents: OpenStack format', () => {
  it('lists Nova Zed\'s versions and latest at /openstack, hiding versions from the future', () => {
    expect(body(get(source(), '/openstack')).split('\n')).toEqual([
      '2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', '2020-10-14', 'latest']);
    const past = resolvePath(source(), '/openstack/', { ...facts, now: new Date('2016-07-01T00:00:00Z') });
    expect(body(past).split('\n')).toEqual(['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', 'latest']);
  });

  it('lists a version\'s files, user_data only when there is some', () => {
    expect(body(get(source(), '/openstack/latest')).split('\n')).toEqual(['meta_data.json', 'password', 'vendor_data.json', 'network_data.json', 'vendor_data2.json']);
    expect(body(get(source({ userData: Buffer.from('#!/bin/sh') }), '/openstack/2012-08-10/')).split('\n')).toEqual(['meta_data.json', 'user_data']);
    expect(get(source(), '/openstack/2011-01-01/meta_data.json').kind).toBe('missing');
  });

  it('meta_data.json carries keys, meta and the instance facts as JSON', () => {
    const answer = get(source({ key: KEY, meta: { role: 'web' } }), '/openstack/latest/meta_data.json');
    expect(answer).toMatchObject({ kind: 'content', contentType: 'application/json' });
    expect(JSON.parse(body(answer))).toEqual({
      uuid: 'b0e1c2d3-0000-4000-8000-000000000001', meta: { role: 'web' },
      public_keys: { mykey: KEY.publicKey }, keys: [{ name: 'mykey', type: 'ssh', data: KEY.publicKey }],
      hostname: 'web-1.novalocal', name: 'web 1', launch_index: 0, availability_zone: 'nova',
      random_seed: Buffer.alloc(512, 7).toString('base64'), project_id: 'p-demo', devices: [], dedicated_cpus: [],
    });
  });

  it('meta_data.json gains keys by version as Nova gates them, and never carries admin_pass', () => {
    const s = source();
    expect(Object.keys(metaData(s, '2012-08-10'))).toEqual(['uuid', 'hostname', 'name', 'launch_index', 'availability_zone']);
    expect(metaData(s, '2013-04-04')).toHaveProperty('random_seed');
    expect(metaData(s, '2013-10-17')).not.toHaveProperty('project_id');
    expect(metaData(s, '2015-10-15')).toHaveProperty('project_id', 'p-demo');
    expect(metaData(s, '2016-06-30')).toHaveProperty('devices', []);
    expect(metaData(s, '2018-08-27')).not.toHaveProperty('dedicated_cpus');
    expect(metaData(s, '2020-10-14')).toHaveProperty('dedicated_cpus', []);
    expect(metaData(s)).not.toHaveProperty('admin_pass');
    expect(metaData(s)).not.toHaveProperty('meta');
  });

  it('injected files are named in meta_data.json and served under /openstack/content, also on the config drive', () => {
    const s = source({ injectedFiles: [{ path: '/etc/motd', contents: Buffer.from('hello\n') }, { path: '/root/x', contents: Buffer.from('x') }] });
    expect(metaData(s).files).toEqual([{ path: '/etc/motd', content_path: '/content/0000' }, { path: '/root/x', content_path: '/content/0001' }]);
    expect(body(get(s, '/openstack/content/0000'))).toBe('hello\n');
    expect(get(s, '/openstack/content/0002').kind).toBe('missing');
    expect(metaData(source())).not.toHaveProperty('files');
    expect(configDriveFiles(s, { randomBytes: () => Buffer.alloc(512) })['openstack/content/0001']?.toString()).toBe('x');
  });

  it('user_data is the raw bytes, and 404 when the server has none', () => {
    const raw = Buffer.from([0x23, 0x21, 0xff, 0x00, 0x0a]);
    const answer = get(source({ userData: raw }), '/openstack/latest/user_data');
    expect(answer.kind === 'content' && Buffer.compare(answer.body as Buffer, raw)).toBe(0);
    expect(get(source(), '/openstack/latest/user_data').kind).toBe('missing');
  });

  it('vendor data is Nova\'s StaticJSON default; later files 404 in older versions', () => {
    expect(JSON.parse(body(get(source(), '/openstack/latest/vendor_data.json')))).toEqual({});
    expect(JSON.parse(body(get(source(), '/openstack/latest/vendor_data2.json')))).toEqual({ static: {} });
    expect(get(source(), '/openstack/2013-04-04/vendor_data.json').kind).toBe('missing');
    expect(get(source(), '/openstack/2016-06-30/vendor_data2.json').kind).toBe('missing');
    expect(get(source(), '/openstack/2012-08-10/password').kind).toBe('missing');
    expect(get(source(), '/openstack/latest/password').kind).toBe('password');
    expect(get(source(), '/openstack/latest/meta_data.json/extra').kind).toBe('missing');
  });
});

describe('metadata documents: network_data.json', () => {
  it('two ports: a static IPv4 network with routes, a static IPv6 one and a DHCP one', () => {
    const data = buildNetworkData(source({ vifs: [v4Port, v6Port] }));
    expect(data).toEqual({
      links: [
        { id: 'tap11111111-22', vif_id: v4Port.portId, type: 'ovs', mtu: 1450, ethernet_mac_address: 'fa:16:3e:00:00:01' },
        // A DHCP subnet on the port: the guest takes its MTU from DHCP; unknown VIF types are 'phy'.
        { id: 'tapaaaaaaaa-bb', vif_id: v6Port.portId, type: 'phy', mtu: null, ethernet_mac_address: 'fa:16:3e:00:00:02' },
      ],
      networks: [
        {
          id: 'network0', type: 'ipv4', link: 'tap11111111-22', ip_address: '10.0.0.5', netmask: '255.255.255.0', network_id: 'net-a',
          routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.0.0.1' }, { network: '172.16.0.0', netmask: '255.255.0.0', gateway: '10.0.0.254' }],
          services: [{ type: 'dns', address: '8.8.8.8' }],
        },
        { id: 'network1', type: 'ipv4_dhcp', link: 'tapaaaaaaaa-bb', network_id: 'net-b' },
        {
          id: 'network2', type: 'ipv6', link: 'tapaaaaaaaa-bb', ip_address: '2001:db8:1::5', netmask: 'ffff:ffff:ffff:ffff::', network_id: 'net-b',
          routes: [{ network: '::', netmask: '::', gateway: '2001:db8:1::1' }],
          services: [{ type: 'dns', address: '8.8.8.8' }, { type: 'dns', address: '2001:4860:4860::8888' }],
        },
      ],
      services: [{ type: 'dns', address: '8.8.8.8' }, { type: 'dns', address: '2001:4860:4860::8888' }],
    });
  });

  it('SLAAC subnets say so in the type; no ports is {} served as text', () => {
    const slaac: VifFacts = { ...v6Port, subnets: [{ ...v6Port.subnets[0]!, dhcp: true, ipv6AddressMode: 'slaac' }] };
    expect(buildNetworkData(source({ vifs: [slaac] }))?.networks[0]).toMatchObject({ type: 'ipv6_slaac', ip_address: '2001:db8:1::5' });
    expect(get(source({ vifs: [] }), '/openstack/latest/network_data.json')).toEqual({ kind: 'content', body: '{}', contentType: 'text/plain' });
  });
});

describe('metadata documents: EC2 format', () => {
  const s = source({ key: KEY, userData: Buffer.from('hello'), floatingIps: ['172.24.4.7'] });

  it('lists versions at /, and the meta-data directory sorted with sub-directories marked', () => {
    expect(body(get(s, '/')).split('\n')).toEqual(['1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01', '2009-04-04', 'latest']);
    expect(body(get(s, '/latest')).split('\n')).toEqual(['meta-data/', 'user-data']);
    expect(body(get(s, '/latest/meta-data/')).split('\n')).toEqual([
      'ami-id', 'ami-launch-index', 'ami-manifest-path', 'block-device-mapping/', 'hostname', 'instance-action', 'instance-id', 'instance-type',
      'local-hostname', 'local-ipv4', 'placement/', 'public-hostname', 'public-ipv4', 'public-keys/', 'reservation-id', 'security-groups']);
  });

  it('serves nested paths: public keys, placement, block devices, lists', () => {
    expect(body(get(s, '/latest/meta-data/public-keys'))).toBe('0=mykey');
    expect(body(get(s, '/latest/meta-data/public-keys/0/'))).toBe('openssh-key');
    expect(body(get(s, '/latest/meta-data/public-keys/0/openssh-key'))).toBe(KEY.publicKey);
    expect(body(get(s, '/2009-04-04/meta-data/placement/availability-zone'))).toBe('nova');
    expect(body(get(s, '/latest/meta-data/block-device-mapping')).split('\n')).toEqual(['ami', 'root']);
    expect(body(get(s, '/latest/meta-data/block-device-mapping/root'))).toBe('/dev/vda');
    expect(body(get(s, '/latest/meta-data/security-groups'))).toBe('default\nweb');
    expect(body(get(s, '/latest/meta-data/ami-launch-index'))).toBe('0');
    expect(body(get(s, '/latest/meta-data/local-ipv4'))).toBe('10.0.0.5');
    expect(body(get(s, '/latest/meta-data/public-ipv4'))).toBe('172.24.4.7');
    expect(body(get(s, '/ec2/latest/meta-data/instance-id'))).toBe('i-0000000a');
    expect(body(get(s, '/latest/user-data'))).toBe('hello');
    expect(get(s, '/latest/meta-data/public-keys/0/_name').kind).toBe('missing');
    expect(get(s, '/latest/meta-data/hostname/more').kind).toBe('missing');
    expect(get(s, '/2010-01-01/meta-data/').kind).toBe('missing');
  });

  it('gates keys by version: 1.0 has no placement, local-hostname or instance-type', () => {
    const listing = body(get(s, '/1.0/meta-data/')).split('\n');
    expect(listing).not.toContain('placement/');
    expect(listing).not.toContain('local-hostname');
    expect(listing).toContain('hostname');
    expect(body(get(s, '/2007-08-29/meta-data/')).split('\n')).toContain('instance-type');
    expect(body(get(s, '/2008-02-01/meta-data/')).split('\n')).not.toContain('instance-action');
  });

  it('local-ipv4 falls back to the requester\'s address without a fixed IPv4', () => {
    expect(body(get(source({ vifs: [] }), '/latest/meta-data/local-ipv4'))).toBe('10.0.0.99');
  });
});

describe('metadata documents: config drive files', () => {
  it('hold every OpenStack version and EC2 latest, with the admin password only here', () => {
    const files = configDriveFiles(source({ key: KEY, userData: Buffer.from('#cloud-config') }), { randomBytes: seed, adminPass: 'secret' });
    expect(Object.keys(files)).toContain('openstack/latest/meta_data.json');
    expect(Object.keys(files).filter((p) => p.startsWith('openstack/latest/')).sort()).toEqual([
      'openstack/latest/meta_data.json', 'openstack/latest/network_data.json', 'openstack/latest/user_data',
      'openstack/latest/vendor_data.json', 'openstack/latest/vendor_data2.json']);
    expect(Object.keys(files).filter((p) => p.startsWith('ec2/')).sort()).toEqual([
      'ec2/2009-04-04/meta-data.json', 'ec2/2009-04-04/user-data', 'ec2/latest/meta-data.json', 'ec2/latest/user-data']);
    expect(files['openstack/2012-08-10/network_data.json']).toBeUndefined();
    expect(JSON.parse(String(files['openstack/latest/meta_data.json']))).toMatchObject({ admin_pass: 'secret', public_keys: { mykey: KEY.publicKey } });
    const ec2 = JSON.parse(String(files['ec2/latest/meta-data.json'])) as Record<string, unknown>;
    expect(ec2['public-keys']).toEqual({ '0': { 'openssh-key': KEY.publicKey } });
    expect(ec2['placement']).toEqual({ 'availability-zone': 'nova' });
    expect(String(files['openstack/latest/user_data'])).toBe('#cloud-config');
    expect(JSON.parse(String(files['openstack/latest/network_data.json'])).links).toHaveLength(1);
  });
});
