import { describe, expect, it } from 'vitest';
import type { DhcpHost, DhcpNetwork, DhcpSubnet } from '../driver.js';
import { dnsmasqArgs, dnsmasqHosts, dnsmasqOpts } from './dnsmasq-config.js';

const v4 = (over: Partial<DhcpSubnet> = {}): DhcpSubnet => ({
  id: 's4', cidr: '10.0.0.0/24', ipVersion: 4, gatewayIp: '10.0.0.1', dnsNameservers: [], hostRoutes: [],
  ipv6AddressMode: null, ipv6RaMode: null, ...over,
});
const v6 = (mode: DhcpSubnet['ipv6AddressMode'], over: Partial<DhcpSubnet> = {}): DhcpSubnet => ({
  id: `s6-${mode}`, cidr: 'fd00:1::/64', ipVersion: 6, gatewayIp: 'fd00:1::1', dnsNameservers: [], hostRoutes: [],
  ipv6AddressMode: mode, ipv6RaMode: mode, ...over,
});
const host = (over: Partial<DhcpHost> = {}): DhcpHost => ({
  portId: 'p1', macAddress: 'fa:16:3e:00:00:01', fixedIps: [{ subnetId: 's4', ipAddress: '10.0.0.5' }],
  hostname: 'host-10-0-0-5.openstacklocal.', extraDhcpOpts: [], ...over,
});
const net = (subnets: DhcpSubnet[], hosts: DhcpHost[] = [], mtu = 1450): DhcpNetwork => ({ networkId: 'n1', mtu, subnets, hosts });
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('dnsmasqHosts', () => {
  it('hosts: one mac,hostname,ip line per IPv4 address', () => {
    const h2 = host({ portId: 'p2', macAddress: 'fa:16:3e:00:00:02', fixedIps: [{ subnetId: 's4', ipAddress: '10.0.0.6' }], hostname: 'vm2' });
    expect(dnsmasqHosts(net([v4()], [host(), h2]))).toBe('fa:16:3e:00:00:01,host-10-0-0-5.openstacklocal.,10.0.0.5\nfa:16:3e:00:00:02,vm2,10.0.0.6\n');
  });

  it('hosts: a port with extra options is tagged set:port-<id>', () => {
    const h = host({ extraDhcpOpts: [{ opt_name: 'tftp-server', opt_value: '10.0.0.9', ip_version: 4 }] });
    expect(lines(dnsmasqHosts(net([v4()], [h])))).toEqual(['fa:16:3e:00:00:01,set:port-p1,host-10-0-0-5.openstacklocal.,10.0.0.5']);
  });

  it('hosts: options that are all null (never sent) do not tag the port', () => {
    const h = host({ extraDhcpOpts: [{ opt_name: 'tftp-server', opt_value: null, ip_version: 4 }] });
    expect(lines(dnsmasqHosts(net([v4()], [h])))).toEqual(['fa:16:3e:00:00:01,host-10-0-0-5.openstacklocal.,10.0.0.5']);
  });

  it('hosts: IPv6 addresses in brackets, only for dhcpv6-stateful subnets', () => {
    const subnets = [v6('dhcpv6-stateful'), { ...v6('slaac'), id: 'slaac', cidr: 'fd00:2::/64' }, { ...v6('dhcpv6-stateless'), id: 'sl', cidr: 'fd00:3::/64' }];
    const h = host({
      fixedIps: [
        { subnetId: 's6-dhcpv6-stateful', ipAddress: 'fd00:1::5' },
        { subnetId: 'slaac', ipAddress: 'fd00:2::f816:3eff:fe00:1' },
        { subnetId: 'sl', ipAddress: 'fd00:3::f816:3eff:fe00:1' },
      ],
      hostname: 'vm',
    });
    expect(lines(dnsmasqHosts(net(subnets, [h])))).toEqual(['fa:16:3e:00:00:01,vm,[fd00:1::5]']);
  });

  it('hosts: a stateless IPv6 address with extra options gives a tag-only line, written first', () => {
    const subnets = [v4(), v6('dhcpv6-stateless')];
    const h = host({
      fixedIps: [{ subnetId: 's4', ipAddress: '10.0.0.5' }, { subnetId: 's6-dhcpv6-stateless', ipAddress: 'fd00:1::f816:3eff:fe00:1' }],
      hostname: 'vm',
      extraDhcpOpts: [{ opt_name: 'domain-search', opt_value: 'example.org', ip_version: 6 }],
    });
    expect(lines(dnsmasqHosts(net(subnets, [h])))).toEqual(['fa:16:3e:00:00:01,set:port-p1', 'fa:16:3e:00:00:01,set:port-p1,vm,10.0.0.5']);
  });

  it('hosts: addresses in subnets the server does not serve are left out', () => {
    const h = host({ fixedIps: [{ subnetId: 'other', ipAddress: '192.168.0.5' }] });
    expect(dnsmasqHosts(net([v4()], [h]))).toBe('');
  });

  it('hosts: a hostname with a line break is never written', () => {
    expect(dnsmasqHosts(net([v4()], [host({ hostname: 'a\ndhcp-range=x' })]))).toBe('');
  });
});

describe('dnsmasqOpts', () => {
  const ips = new Map([['s4', '10.0.0.2']]);

  it('opts: router and routes (metadata via the server, default via the gateway) per subnet tag', () => {
    expect(lines(dnsmasqOpts(net([v4()]), ips))).toEqual([
      'tag:subnet-s4,option:classless-static-route,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1',
      'tag:subnet-s4,249,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1',
      'tag:subnet-s4,option:router,10.0.0.1',
    ]);
  });

  it('opts: no gateway sends an empty router and no default route', () => {
    const out = lines(dnsmasqOpts(net([v4({ gatewayIp: null })]), ips));
    expect(out).toContain('tag:subnet-s4,option:router');
    expect(out).toContain('tag:subnet-s4,option:classless-static-route,169.254.169.254/32,10.0.0.2');
    expect(out.join('\n')).not.toContain('0.0.0.0/0');
  });

  it('opts: DNS servers and host routes; a 0.0.0.0/0 host route stands in for a missing gateway', () => {
    const s = v4({
      gatewayIp: null,
      dnsNameservers: ['8.8.8.8', '1.1.1.1'],
      hostRoutes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }, { destination: '0.0.0.0/0', nexthop: '10.0.0.253' }],
    });
    expect(lines(dnsmasqOpts(net([s]), ips))).toEqual([
      'tag:subnet-s4,option:dns-server,8.8.8.8,1.1.1.1',
      'tag:subnet-s4,option:classless-static-route,192.168.0.0/16,10.0.0.254,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.253',
      'tag:subnet-s4,249,192.168.0.0/16,10.0.0.254,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.253',
      'tag:subnet-s4,option:router,10.0.0.253',
    ]);
  });

  it('opts: the other IPv4 subnets of the network are on-link routes', () => {
    const out = dnsmasqOpts(net([v4(), v4({ id: 'b', cidr: '10.1.0.0/24', gatewayIp: '10.1.0.1' })]), ips);
    expect(lines(out)[0]).toBe('tag:subnet-s4,option:classless-static-route,169.254.169.254/32,10.0.0.2,10.1.0.0/24,0.0.0.0,0.0.0.0/0,10.0.0.1');
    expect(lines(out)).toContain('tag:subnet-b,option:classless-static-route,10.0.0.0/24,0.0.0.0,0.0.0.0/0,10.1.0.1');
  });

  it('opts: IPv6 subnets get option6:dns-server in brackets, nothing for SLAAC', () => {
    const subnets = [v6('dhcpv6-stateless', { dnsNameservers: ['2001:db8::53'] }), { ...v6('slaac', { dnsNameservers: ['2001:db8::54'] }), id: 'sl' }];
    expect(lines(dnsmasqOpts(net(subnets), new Map()))).toEqual(['tag:subnet-s6-dhcpv6-stateless,option6:dns-server,[2001:db8::53]']);
  });

  it('opts: extra DHCP options per port tag; null values are not sent; IPv6 ones as option6', () => {
    const h = host({
      extraDhcpOpts: [
        { opt_name: 'tftp-server', opt_value: '10.0.0.9', ip_version: 4 },
        { opt_name: 'bootfile-name', opt_value: null, ip_version: 4 },
        { opt_name: '150', opt_value: '10.0.0.8', ip_version: 4 },
        { opt_name: 'domain-search', opt_value: 'example.org', ip_version: 6 },
        { opt_name: 'x', opt_value: 'a\nb', ip_version: 4 },
      ],
    });
    const out = lines(dnsmasqOpts(net([v4()], [h]), ips)).filter((l) => l.startsWith('tag:port-'));
    expect(out).toEqual(['tag:port-p1,option:tftp-server,10.0.0.9', 'tag:port-p1,150,10.0.0.8', 'tag:port-p1,option6:domain-search,example.org']);
  });

  it('opts: a subnet where the server has no address gets no metadata route', () => {
    expect(dnsmasqOpts(net([v4()]), new Map())).not.toContain('169.254.169.254');
  });
});

describe('dnsmasqArgs', () => {
  const dir = '/var/lib/stratus/dhcp/n1';

  it('args: DHCP only, bound to the interface, static IPv4 range with netmask, files in the state dir', () => {
    expect(dnsmasqArgs({ interfaceName: 'ns-p1', net: net([v4()]), dir })).toEqual([
      '--no-hosts', '--no-resolv', '--port=0', '--interface=ns-p1', '--except-interface=lo', '--bind-interfaces',
      '--dhcp-range=set:subnet-s4,10.0.0.0,static,255.255.255.0,86400s',
      `--dhcp-hostsfile=${dir}/hosts`, `--dhcp-optsfile=${dir}/opts`, `--dhcp-leasefile=${dir}/leases`, `--pid-file=${dir}/pid`,
      '--dhcp-authoritative', '--dhcp-option-force=option:mtu,1450', '--dhcp-lease-max=256', '--conf-file=/dev/null', `--log-facility=${dir}/log`,
    ]);
  });

  it('args: stateful and stateless IPv6 get static ranges with the prefix length; SLAAC none', () => {
    const subnets = [v6('dhcpv6-stateful'), { ...v6('dhcpv6-stateless'), cidr: 'fd00:2::/64' }, { ...v6('slaac'), cidr: 'fd00:3::/64' }];
    const ranges = dnsmasqArgs({ interfaceName: 'ns-p1', net: net(subnets), dir }).filter((a) => a.startsWith('--dhcp-range'));
    expect(ranges).toEqual([
      '--dhcp-range=set:subnet-s6-dhcpv6-stateful,fd00:1::,static,64,86400s',
      '--dhcp-range=set:subnet-s6-dhcpv6-stateless,fd00:2::,static,64,86400s',
    ]);
  });

  it('args: the lease table is capped for IPv6-sized subnets', () => {
    expect(dnsmasqArgs({ interfaceName: 'ns-p1', net: net([v4(), v6('dhcpv6-stateful')]), dir })).toContain('--dhcp-lease-max=16777216');
  });

  it('args: no MTU known (0) forces none', () => {
    expect(dnsmasqArgs({ interfaceName: 'ns-p1', net: net([v4()], [], 0), dir }).join(' ')).not.toContain('mtu');
  });

  it('args: nothing to serve (SLAAC only, or no subnets) gives no argv', () => {
    expect(dnsmasqArgs({ interfaceName: 'ns-p1', net: net([v6('slaac')]), dir })).toEqual([]);
    expect(dnsmasqArgs({ interfaceName: 'ns-p1', net: net([]), dir })).toEqual([]);
  });
});
