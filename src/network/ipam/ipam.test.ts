import { describe, expect, it } from 'vitest';
import { canonicalAddress, cidrContains, cidrsOverlap, formatCidr, lastAddress, parseAddress, parseCidr } from '../../core/net/address.js';
import { canonicalMac, eui64, generateMac } from './mac.js';
import { formatAddress } from '../../core/net/address.js';
import { firstFreePrefix, mergeCidrs } from './prefixes.js';
import { defaultPools, firstFree, formatRange, subtract } from './ranges.js';

const v4 = (s: string): bigint => parseAddress(s)!.value;

describe('addresses', () => {
  it('parses and formats IPv4 strictly', () => {
    expect(canonicalAddress('10.0.0.1')).toBe('10.0.0.1');
    for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '1.2.3.4.5', 'a.b.c.d', '', 42]) expect(canonicalAddress(bad)).toBeUndefined();
  });

  it('formats IPv6 as RFC 5952 (netaddr) does', () => {
    expect(canonicalAddress('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalAddress('::')).toBe('::');
    expect(canonicalAddress('::1')).toBe('::1');
    expect(canonicalAddress('fe80::')).toBe('fe80::');
    expect(canonicalAddress('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(canonicalAddress('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalAddress('::ffff:1.2.3.4')).toBe('::ffff:102:304');
    expect(canonicalAddress('1::2::3')).toBeUndefined();
    expect(canonicalAddress('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(canonicalAddress('12345::')).toBeUndefined();
  });

  it('parses CIDRs and notices host bits', () => {
    expect(parseCidr('10.0.0.5/24')).toMatchObject({ prefixlen: 24, hostBits: true, network: v4('10.0.0.0') });
    expect(formatCidr(parseCidr('2001:db8::/64')!)).toBe('2001:db8::/64');
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0/24/1')).toBeUndefined();
    expect(parseCidr('10.0.0.1')).toMatchObject({ prefixlen: 32, hostBits: false });
    expect(lastAddress(parseCidr('10.0.0.0/24')!)).toBe(v4('10.0.0.255'));
  });

  it('answers containment and overlap', () => {
    const net = parseCidr('192.168.0.0/24')!;
    expect(cidrContains(net, parseAddress('192.168.0.200')!)).toBe(true);
    expect(cidrContains(net, parseAddress('192.168.1.0')!)).toBe(false);
    expect(cidrsOverlap(net, parseCidr('192.168.0.128/25')!)).toBe(true);
    expect(cidrsOverlap(net, parseCidr('192.168.1.0/24')!)).toBe(false);
    expect(cidrsOverlap(net, parseCidr('::/0')!)).toBe(false);
  });
});

describe('pools', () => {
  it('default pools skip the network, broadcast and gateway addresses', () => {
    const pools = defaultPools(parseCidr('10.0.0.0/24')!, v4('10.0.0.1'));
    expect(pools.map((p) => formatRange(4, p))).toEqual(['10.0.0.2-10.0.0.254']);
    const mid = defaultPools(parseCidr('10.0.0.0/28')!, v4('10.0.0.5'));
    expect(mid.map((p) => formatRange(4, p))).toEqual(['10.0.0.1-10.0.0.4', '10.0.0.6-10.0.0.14']);
    expect(defaultPools(parseCidr('10.0.0.0/31')!, null)).toEqual([]);
    const v6 = defaultPools(parseCidr('2001:db8::/126')!, null);
    expect(v6.map((p) => formatRange(6, p))).toEqual(['2001:db8::1-2001:db8::3']);
  });

  it('finds the first free address across pools', () => {
    const pools = [{ start: 10n, end: 12n }, { start: 2n, end: 4n }];
    expect(firstFree(pools, [])).toBe(2n);
    expect(firstFree(pools, [2n, 3n])).toBe(4n);
    expect(firstFree(pools, [2n, 3n, 4n, 10n])).toBe(11n);
    expect(firstFree(pools, [2n, 3n, 4n, 10n, 11n, 12n])).toBeUndefined();
    expect(subtract([{ start: 1n, end: 1n }], 1n)).toEqual([]);
  });
});

describe('MAC addresses', () => {
  it('generates under the base and validates', () => {
    for (let i = 0; i < 50; i++) expect(generateMac('fa:16:3e:00:00:00')).toMatch(/^fa:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
    expect(canonicalMac('FA-16-3E-00-11-22')).toBe('fa:16:3e:00:11:22');
    expect(canonicalMac('ff:ff:ff:ff:ff:ff')).toBeUndefined();
    expect(canonicalMac('00:00:00:00:00:00')).toBeUndefined();
    expect(canonicalMac('fa:16:3e:00:11')).toBeUndefined();
  });

  it('derives the EUI-64 address', () => {
    expect(formatAddress(6, eui64(parseCidr('2001:db8::/64')!.network, 'fa:16:3e:11:22:33'))).toBe('2001:db8::f816:3eff:fe11:2233');
  });
});

describe('prefixes', () => {
  const c = (s: string) => parseCidr(s)!;
  const show = (list: Array<ReturnType<typeof c>>) => list.map((x) => formatCidr(x));
  it('merges like cidr_merge', () => {
    expect(show(mergeCidrs([c('10.0.1.0/24'), c('10.0.0.0/24'), c('10.0.0.128/25'), c('192.168.0.0/16')]))).toEqual(['10.0.0.0/23', '192.168.0.0/16']);
    expect(show(mergeCidrs([c('10.0.1.0/24'), c('10.0.2.0/24')]))).toEqual(['10.0.1.0/24', '10.0.2.0/24']);
  });
  it('finds the first free block, jumping past allocations', () => {
    const pool = [c('10.0.0.0/16')];
    expect(formatCidr(firstFreePrefix(pool, [], 24)!)).toBe('10.0.0.0/24');
    expect(formatCidr(firstFreePrefix(pool, [c('10.0.0.0/24'), c('10.0.1.0/25')], 24)!)).toBe('10.0.2.0/24');
    expect(formatCidr(firstFreePrefix(pool, [c('10.0.0.0/24')], 16 + 1)!)).toBe('10.0.128.0/17');
    expect(firstFreePrefix([c('10.0.0.0/24')], [c('10.0.0.0/25'), c('10.0.0.128/25')], 26)).toBeUndefined();
    expect(firstFreePrefix([c('10.0.0.0/24')], [], 16)).toBeUndefined();
  });
});
