import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { GroupFilter, PortWiring } from '../driver.js';
import { firewallScript, isFiltered, removeFirewallScript, type FirewallInput, type FirewallPort } from './firewall.js';
import { linkLocalOf, ruleMatch, type GroupRule } from './firewall-rules.js';

const wiring = (over: Partial<PortWiring>): PortWiring => ({
  portId: 'p', networkId: 'net-a', host: 'h1', macAddress: 'fa:16:3e:00:00:01', mtu: 1450,
  segment: { networkType: 'vxlan', physicalNetwork: null, segmentationId: 100 },
  fixedIps: [{ subnetId: 's4', ipAddress: '10.0.0.5' }, { subnetId: 's6', ipAddress: '2001:db8::5' }],
  deviceId: 'vm-1', deviceOwner: 'compute:nova', adminStateUp: true, portSecurityEnabled: true,
  securityGroupIds: ['sg-web'], allowedAddressPairs: [], ...over,
});

const rule = (over: Partial<GroupRule>): GroupRule => ({
  direction: 'ingress', ethertype: 'IPv4', protocol: null, portRangeMin: null, portRangeMax: null,
  remoteIpPrefix: null, remoteGroupId: null, ...over,
});

const web: GroupFilter = {
  id: 'sg-web', stateful: true, memberIps: ['10.0.0.5', '2001:db8::5', '10.0.0.6'],
  rules: [
    rule({ direction: 'egress' }), rule({ direction: 'egress', ethertype: 'IPv6' }),
    rule({ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '0.0.0.0/0' }),
    rule({ protocol: 'icmp', portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: '192.168.1.0/24' }),
    rule({ remoteGroupId: 'sg-web' }), rule({ ethertype: 'IPv6', remoteGroupId: 'sg-web' }),
  ],
};

const ports: FirewallPort[] = [
  { device: 'tapaaaa', index: 1, wiring: wiring({ portId: 'a' }) },
  {
    device: 'tapbbbb', index: 2, wiring: wiring({
      portId: 'b', macAddress: 'fa:16:3e:00:00:02', fixedIps: [{ subnetId: 's4', ipAddress: '10.0.0.6' }],
      allowedAddressPairs: [{ ip_address: '10.9.0.0/16', mac_address: 'fa:16:3e:aa:bb:cc' }, { ip_address: 'not-an-ip', mac_address: '' }],
    }),
  },
  { device: 'tapdhcp', index: 3, wiring: wiring({ portId: 'd', deviceOwner: 'network:dhcp', securityGroupIds: [] }) },
  { device: 'tapopen', index: 4, wiring: wiring({ portId: 'o', portSecurityEnabled: false, securityGroupIds: [] }) },
];

const input = (over: Partial<FirewallInput> = {}): FirewallInput => ({
  prefix: '', ports, groups: new Map([['sg-web', web]]), bridges: [{ name: 'stbr-net-a', zone: 1 }], ...over,
});

describe('firewall: rule translation', () => {
  it('rule: tcp 22 from anywhere is a port match with no address', () => {
    expect(ruleMatch(rule({ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '0.0.0.0/0' })))
      .toBe('meta nfproto ipv4 meta l4proto tcp th dport 22');
    expect(ruleMatch(rule({ protocol: '17', portRangeMin: 1000, portRangeMax: 2000, direction: 'egress', remoteIpPrefix: '10.2.3.124/24' })))
      .toBe('meta nfproto ipv4 meta l4proto udp th dport 1000-2000 ip daddr 10.2.3.0/24');
  });

  it('rule: icmp type and code, icmp in an IPv6 rule is ICMPv6', () => {
    expect(ruleMatch(rule({ protocol: 'icmp', portRangeMin: 8, portRangeMax: 0 }))).toBe('meta nfproto ipv4 meta l4proto icmp icmp type 8 icmp code 0');
    expect(ruleMatch(rule({ protocol: '1', portRangeMin: 3 }))).toBe('meta nfproto ipv4 meta l4proto icmp icmp type 3');
    expect(ruleMatch(rule({ ethertype: 'IPv6', protocol: 'icmp', portRangeMin: 128 }))).toBe('meta nfproto ipv6 meta l4proto ipv6-icmp icmpv6 type 128');
    expect(ruleMatch(rule({ ethertype: 'IPv6', protocol: 'icmpv6' }))).toBe('meta nfproto ipv6 meta l4proto ipv6-icmp');
  });

  it('rule: other protocols by number, remote groups by set, mismatched or unparsable prefixes skipped', () => {
    expect(ruleMatch(rule({ protocol: 'gre' }))).toBe('meta nfproto ipv4 meta l4proto 47');
    expect(ruleMatch(rule({ protocol: 'sctp', portRangeMin: 5, portRangeMax: 5 }))).toBe('meta nfproto ipv4 meta l4proto sctp th dport 5');
    expect(ruleMatch(rule({ direction: 'egress', ethertype: 'IPv6', remoteGroupId: 'g-1' }))).toBe('meta nfproto ipv6 ip6 daddr @rg6_g_1');
    expect(ruleMatch(rule({ remoteIpPrefix: '2001:db8::/32' }))).toBeUndefined();
    expect(ruleMatch(rule({ remoteIpPrefix: '10.0.0.0/33' }))).toBeUndefined();
    expect(ruleMatch(rule({ protocol: 'nonsense' }))).toBeUndefined();
  });

  it('link-local: modified EUI-64 of the MAC', () => {
    expect(linkLocalOf('fa:16:3e:00:00:01')).toBe('fe80::f816:3eff:fe00:1');
  });
});

describe('firewall: script', () => {
  const script = firewallScript(input());

  it('script: replaces both tables in one transaction', () => {
    expect(script.startsWith('table bridge stratus_ports {}\ndelete table bridge stratus_ports\ntable bridge stratus_ports {\n')).toBe(true);
    expect(script).toContain('table inet stratus_filter {}\ndelete table inet stratus_filter\ntable inet stratus_filter {\n');
    expect(removeFirewallScript('a-1')).toBe('table bridge stratusa_1_ports {}\ndelete table bridge stratusa_1_ports\n'
      + 'table inet stratusa_1_filter {}\ndelete table inet stratusa_1_filter\n');
  });

  it('script: security group rules in the port chains', () => {
    expect(script).toContain('chain ingress_1 {');
    expect(script).toContain('    meta nfproto ipv4 meta l4proto tcp th dport 22 accept\n');
    expect(script).toContain('    meta nfproto ipv4 meta l4proto icmp icmp type 8 icmp code 0 ip saddr 192.168.1.0/24 accept\n');
    expect(script).toContain('    meta nfproto ipv4 return\n    meta nfproto ipv6 return\n    drop\n');
    expect(script).toContain('    meta nfproto ipv4 ip saddr @rg4_sg_web accept\n');
    expect(script).toContain('set rg4_sg_web { type ipv4_addr; flags interval; auto-merge; elements = { 10.0.0.5, 10.0.0.6 }; }');
    expect(script).toContain('set rg6_sg_web { type ipv6_addr; flags interval; auto-merge; elements = { 2001:db8::5 }; }');
    expect(script).toContain('map egress_ports { type mark : verdict; elements = { 1 : jump egress_1, 2 : jump egress_2 }; }');
    expect(script).toContain('map ingress_ports { type mark : verdict; elements = { 0x10000 : jump ingress_1, 0x20000 : jump ingress_2 }; }');
    expect(script).toContain('ct zone set iifname map { "stbr-net-a" : 1 }');
  });

  it('script: anti-spoofing from the fixed IPs, pairs and MACs', () => {
    expect(script).toContain('map port_marks { type ifname : mark; elements = { "tapaaaa" : 1, "tapbbbb" : 2 }; }');
    const spoof2 = script.slice(script.indexOf('chain spoof_2 {'), script.indexOf('chain out_2 {'));
    expect(spoof2).toContain('ether saddr != { fa:16:3e:00:00:02, fa:16:3e:aa:bb:cc } drop');
    expect(spoof2).toContain('ip saddr { 10.0.0.6, 10.9.0.0/16 } return');
    expect(spoof2).toContain('ip6 saddr { fe80::f816:3eff:fe00:2, fe80::f816:3eff:feaa:bbcc, :: } return');
    expect(spoof2).toContain('arp saddr ip { 10.0.0.6, 10.9.0.0/16, 0.0.0.0 } arp saddr ether { fa:16:3e:00:00:02, fa:16:3e:aa:bb:cc } return');
    expect(spoof2).not.toContain('not-an-ip');
    expect(script).toContain('chain out_2 {\n    meta mark set meta mark or 0x20000\n  }');
  });

  it('script: ports without port security and network: ports are not filtered', () => {
    expect(isFiltered(ports[2]!.wiring)).toBe(false);
    expect(isFiltered(ports[3]!.wiring)).toBe(false);
    for (const name of ['tapdhcp', 'tapopen', 'spoof_3', 'egress_4', 'ingress_3']) expect(script).not.toContain(name);
  });

  it('script: the same text whatever the order of the input', () => {
    const shuffled = input({ ports: [...ports].reverse(), bridges: [{ name: 'stbr-net-b', zone: 2 }, { name: 'stbr-net-a', zone: 1 }] });
    const sorted = input({ bridges: [{ name: 'stbr-net-a', zone: 1 }, { name: 'stbr-net-b', zone: 2 }] });
    expect(firewallScript(shuffled)).toBe(firewallScript(sorted));
  });

  it('script: an empty host still gives valid empty tables; bad indexes and names throw', () => {
    const empty = firewallScript(input({ ports: [], bridges: [] }));
    expect(empty).toContain('map port_marks { type ifname : mark; }');
    expect(empty).not.toContain('zone_in');
    expect(() => firewallScript(input({ ports: [ports[0]!, { ...ports[1]!, index: 1 }] }))).toThrow(RangeError);
    expect(() => firewallScript(input({ ports: [{ ...ports[0]!, device: 'tap"x' }] }))).toThrow(RangeError);
    expect(() => firewallScript(input({ ports: [{ ...ports[0]!, index: 70000 }] }))).toThrow(RangeError);
  });
});

// nft's check mode (-c) parses and dry-runs a script in the kernel without applying it; it needs root.
const canCheck = process.getuid?.() === 0 && (() => {
  try { execFileSync('nft', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
})();

describe('firewall: nft accepts the scripts', () => {
  it.skipIf(!canCheck)('nft -c: the generated scripts are valid (needs root and nft)', () => {
    const many = Array.from({ length: 500 }, (_, i): FirewallPort => ({
      device: `tap${String(i).padStart(8, '0')}`, index: i + 1,
      wiring: wiring({ macAddress: `fa:16:3e:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
        fixedIps: [{ subnetId: 's', ipAddress: `10.1.${i >> 8}.${i & 255}` }] }),
    }));
    for (const script of [
      firewallScript(input()), firewallScript(input({ ports: [], bridges: [] })), firewallScript(input({ ports: many })), removeFirewallScript(''),
    ]) {
      execFileSync('nft', ['-c', '-f', '-'], { input: script, stdio: ['pipe', 'ignore', 'pipe'] });
    }
  });
});
