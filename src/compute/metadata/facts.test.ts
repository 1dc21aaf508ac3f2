import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { blockDeviceMapping } from './instance-facts.js';
import { vifsOf } from './network-facts.js';
import type { FloatingIpInfo } from '../../network/contract/client.js';
import { fakeNetworkInfo, fakePort, fakeSubnet, metadataTestbed, type MetadataTestbed } from './test-support.js';
import { TtlCache } from './ttl-cache.js';

let t: MetadataTestbed;
beforeAll(async () => { t = await metadataTestbed(); });
afterAll(async () => { await t.close(); });

describe('metadata facts: from the compute database', () => {
  it('EC2 ids from the row id and image, user data decoded, zone of the host when none was asked for', async () => {
    const uuid = await t.addInstance({ id: 26, availability_zone: null, user_data: Buffer.from('hi').toString('base64') });
    const source = await t.metadata.sourceOf(uuid);
    expect(source).toMatchObject({ ec2InstanceId: 'i-0000001a', ec2ImageId: 'ami-6f1e2d3c', availabilityZone: 'nova', hostname: 'vm.novalocal', flavorName: 'm1.tiny' });
    expect(source?.userData?.toString()).toBe('hi');
    const volumeBooted = await t.metadata.sourceOf(await t.addInstance({ image_ref: null, host: null, availability_zone: null }));
    expect(volumeBooted).toMatchObject({ ec2ImageId: null, availabilityZone: null });
  });

  it('the key as recorded at boot; its type from the key pair while that still matches', async () => {
    await t.svc.db.insertInto('key_pairs').values({ name: 'x509key', user_id: 'u-demo', fingerprint: 'f', public_key: 'CERT', type: 'x509', created_at: t.clock.now().toISOString() }).execute();
    const uuid = await t.addInstance({ key_name: 'x509key', key_data: 'CERT' });
    expect((await t.metadata.sourceOf(uuid))?.key).toEqual({ name: 'x509key', type: 'x509', publicKey: 'CERT' });
    // The key pair was replaced after boot: the instance keeps its own key, typed ssh.
    const older = await t.addInstance({ key_name: 'x509key', key_data: 'ssh-rsa OLD' });
    expect((await t.metadata.sourceOf(older))?.key).toEqual({ name: 'x509key', type: 'ssh', publicKey: 'ssh-rsa OLD' });
  });

  it('block devices: the root disk, then the flavor\'s ephemeral and swap disks', () => {
    expect(blockDeviceMapping('/dev/vda', { ephemeral_gb: 0, swap: 0 })).toEqual({ ami: 'vda', root: '/dev/vda' });
    expect(blockDeviceMapping('/dev/vda', { ephemeral_gb: 1, swap: 512 })).toEqual({ ami: 'vda', root: '/dev/vda', ephemeral0: '/dev/vdb', swap: '/dev/vdc' });
    expect(blockDeviceMapping(null, { ephemeral_gb: 0, swap: 0 })).toEqual({ ami: 'sda1', ephemeral0: 'sda2', root: '/dev/sda1', swap: 'sda3' });
  });
});

describe('metadata facts: from the network service', () => {
  it('ports in the instance\'s attach order with only their own subnets; other owners are not the instance\'s', async () => {
    const v4 = fakeSubnet('s4', 'n1', '10.1.0.0/24', { enable_dhcp: true });
    const v6 = fakeSubnet('s6', 'n2', '2001:db8::/64', { ipv6_address_mode: 'slaac', gateway_ip: '2001:db8::1' });
    const unused = fakeSubnet('s4b', 'n2', '10.2.0.0/24');
    t.network.subnetList.push(v4, v6, unused);
    t.network.networkList.push(fakeNetworkInfo('n1', 1400), fakeNetworkInfo('n2', 9000));
    t.network.portList.push(fakePort('vm-1', v4, '10.1.0.7', 'p-first'), fakePort('vm-1', v6, '2001:db8::7', 'p-second'));
    t.network.portList.push({ ...fakePort('vm-1', v4, '10.1.0.8', 'p-dhcp'), device_owner: 'network:dhcp' });
    const vifs = await vifsOf(t.network, 'vm-1', ['p-second', 'p-first']);
    expect(vifs.map((v) => v.portId)).toEqual(['p-second', 'p-first']);
    expect(vifs[0]).toMatchObject({ networkId: 'n2', mtu: 9000, vifType: 'ovs', subnets: [{ version: 6, ips: ['2001:db8::7'], ipv6AddressMode: 'slaac', gatewayIp: '2001:db8::1' }] });
    expect(vifs[1]).toMatchObject({ mtu: 1400, subnets: [{ version: 4, ips: ['10.1.0.7'], dhcp: true, ipv6AddressMode: null }] });
    expect(await vifsOf(t.network, 'vm-none', [])).toEqual([]);
  });

  it('a floating IP associated through the network API shows on its port (test_server_basic_ops reads public-ipv4)', async () => {
    const v4 = fakeSubnet('s-fip', 'n-fip', '10.3.0.0/24');
    t.network.subnetList.push(v4);
    t.network.portList.push(fakePort('vm-fip', v4, '10.3.0.5', 'p-fip'));
    t.network.floatingIpList.push({ id: 'f1', tenant_id: 't', floating_network_id: 'ext', floating_ip_address: '172.31.0.9', port_id: 'p-fip',
      fixed_ip_address: '10.3.0.5', router_id: 'r', status: 'ACTIVE' } as FloatingIpInfo);
    expect((await vifsOf(t.network, 'vm-fip', []))[0]?.floatingIps).toEqual(['172.31.0.9']);
  });
});

describe('metadata facts: cache', () => {
  it('forgets entries after their time, keeps nothing with a TTL of 0, and stays within its size', () => {
    const clock = new ManualClock();
    const cache = new TtlCache<number>(15, clock, 2);
    cache.set('a', 1);
    clock.advance(14_999);
    expect(cache.get('a')).toBe(1);
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', 2);
    cache.set('c', 3);
    cache.set('d', 4);
    expect([cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([undefined, 3, 4]);
    const off = new TtlCache<number>(0, clock);
    off.set('a', 1);
    expect(off.get('a')).toBeUndefined();
  });
});
