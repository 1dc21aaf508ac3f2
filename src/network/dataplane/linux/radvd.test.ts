import { describe, expect, it } from 'vitest';
import type { Ipv6Mode } from '../../model.js';
import type { PortWiring, RouterPort, RouterSubnet, RouterWiring } from '../driver.js';
import { radvdConfig } from './radvd.js';

const port = (id: string, mtu = 1450): PortWiring => ({
  portId: id, networkId: 'n1', host: 'h', macAddress: 'fa:16:3e:00:00:01', mtu, segment: { networkType: 'vxlan', physicalNetwork: null, segmentationId: 7 },
  fixedIps: [], deviceId: 'r1', deviceOwner: 'network:router_interface', adminStateUp: true, portSecurityEnabled: false, securityGroupIds: [], allowedAddressPairs: [],
});
const v4: RouterSubnet = { id: 's4', cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', ipv6RaMode: null, ipv6AddressMode: null };
const v6 = (mode: Ipv6Mode | null, cidr = 'fd00:1::/64'): RouterSubnet => ({ id: `s6-${cidr}`, cidr, gatewayIp: cidr.replace('/64', '1'), ipv6RaMode: mode, ipv6AddressMode: mode });
const iface = (id: string, subnets: RouterSubnet[], mtu?: number): RouterPort => ({ port: port(id, mtu), subnets });
const router = (interfaces: RouterPort[], gateway: RouterPort | null = null): RouterWiring => ({ routerId: 'r1', enableSnat: true, gateway, interfaces, routes: [], floatingIps: [] });
const lines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');

describe('radvdConfig', () => {
  it('config: a SLAAC subnet gives an advertising interface with an autonomous on-link prefix and the link MTU', () => {
    expect(radvdConfig(router([iface('aaaaaaaaaaaa-1', [v6('slaac')])]))).toBe([
      'interface qr-aaaaaaaaaaa',
      '{',
      '   AdvSendAdvert on;',
      '   MinRtrAdvInterval 30;',
      '   MaxRtrAdvInterval 100;',
      '   AdvLinkMTU 1450;',
      '   prefix fd00:1::/64',
      '   {',
      '        AdvOnLink on;',
      '        AdvAutonomous on;',
      '   };',
      '};',
      '',
    ].join('\n'));
  });

  it('config: dhcpv6-stateful sets the managed flag and a prefix guests do not configure from', () => {
    const out = lines(radvdConfig(router([iface('p1', [v6('dhcpv6-stateful')])])));
    expect(out).toContain('AdvManagedFlag on;');
    expect(out).not.toContain('AdvOtherConfigFlag on;');
    expect(out).toContain('AdvAutonomous off;');
    expect(out).not.toContain('AdvAutonomous on;');
  });

  it('config: dhcpv6-stateless sets the other-config flag and keeps the prefix autonomous', () => {
    const out = lines(radvdConfig(router([iface('p1', [v6('dhcpv6-stateless')])])));
    expect(out).toContain('AdvOtherConfigFlag on;');
    expect(out).not.toContain('AdvManagedFlag on;');
    expect(out).toContain('AdvAutonomous on;');
  });

  it('config: one block per interface, each with all of its RA subnets; IPv4 and RA-less IPv6 subnets are left out', () => {
    const out = lines(radvdConfig(router([
      iface('p1', [v4, v6('slaac'), v6('dhcpv6-stateful', 'fd00:2::/64'), v6(null, 'fd00:3::/64')]),
      iface('p2', [v6('dhcpv6-stateless', 'fd00:4::/64')]),
    ])));
    expect(out.filter((l) => l.startsWith('interface '))).toEqual(['interface qr-p1', 'interface qr-p2']);
    expect(out.filter((l) => l.startsWith('prefix '))).toEqual(['prefix fd00:1::/64', 'prefix fd00:2::/64', 'prefix fd00:4::/64']);
    expect(out.join('\n')).not.toContain('10.0.0.0');
    expect(out.join('\n')).not.toContain('fd00:3::');
    expect(out).toContain('AdvManagedFlag on;');
  });

  it('config: no interface with an RA subnet (IPv4 only, RA mode unset, only a gateway) gives no config', () => {
    expect(radvdConfig(router([]))).toBe('');
    expect(radvdConfig(router([iface('p1', [v4, v6(null)])]))).toBe('');
    expect(radvdConfig(router([], iface('g1', [v6('slaac')])))).toBe('');
  });

  it('config: an MTU below the IPv6 minimum (or unknown, 0) is not announced', () => {
    expect(radvdConfig(router([iface('p1', [v6('slaac')], 1200)]))).not.toContain('AdvLinkMTU');
    expect(radvdConfig(router([iface('p1', [v6('slaac')], 0)]))).not.toContain('AdvLinkMTU');
    expect(radvdConfig(router([iface('p1', [v6('slaac')], 9000)]))).toContain('AdvLinkMTU 9000;');
  });

  it('config: a cidr that does not parse is never written; prefixes are written canonically', () => {
    const out = radvdConfig(router([iface('p1', [v6('slaac', 'fd00:1::/64;\n}'), v6('slaac', 'FD00:0005:0::/64')])]));
    expect(lines(out).filter((l) => l.startsWith('prefix '))).toEqual(['prefix fd00:5::/64']);
  });
});
