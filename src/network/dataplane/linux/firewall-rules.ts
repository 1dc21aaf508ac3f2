import { formatAddress, formatCidr, parseCidr, type IpVersion } from '../../../core/net/address.js';
import { ICMP_PROTOCOLS, PORT_PROTOCOLS, protocolNumber } from '../../protocols.js';
import type { GroupFilter } from '../driver.js';

/**
 * The pieces of the port filter that do not depend on the ruleset's layout: addresses
 * and MACs as nft accepts them, and one security group rule as an nft match, after
 * Neutron's firewall drivers (neutron/agent/linux/openvswitch_firewall/rules.py and
 * iptables_firewall.py). Everything here comes from validated API objects, but a
 * value that does not parse is left out rather than trusted: an nft script is code.
 */

export type GroupRule = GroupFilter['rules'][number];

/** An address or CIDR as nft takes it: a host prefix as the bare address, host bits cleared. */
export interface NftAddress {
  version: IpVersion;
  text: string;
}

/** `10.0.0.5`, `10.1.0.0/16`, `2001:db8::/64` in canonical form, or undefined when it does not parse. */
export function nftAddress(text: unknown): NftAddress | undefined {
  const cidr = parseCidr(text);
  if (!cidr) return undefined;
  const full = cidr.version === 4 ? 32 : 128;
  return {
    version: cidr.version,
    text: cidr.prefixlen === full ? formatAddress(cidr.version, cidr.network) : formatCidr(cidr),
  };
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** A MAC in nft's lower-case colon form, or undefined when it is not one. */
export function nftMac(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const mac = text.toLowerCase();
  return MAC.test(mac) ? mac : undefined;
}

/** The IPv6 link-local address a MAC gives by modified EUI-64 (RFC 4291 appendix A). */
export function linkLocalOf(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16)) as [number, number, number, number, number, number];
  const iid = [b[0] ^ 0x02, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]].reduce((v, x) => (v << 8n) | BigInt(x), 0n);
  return formatAddress(6, (0xfe80n << 112n) | iid);
}

/** Deduplicated, order kept: an anonymous nft set `{ a, b }`. */
export const nftSet = (items: Iterable<string>): string => `{ ${[...new Set(items)].join(', ')} }`;

/** The name of the set holding a group's member addresses of one family (nft names: letters, digits, `_`). */
export const remoteGroupSet = (groupId: string, version: IpVersion): string =>
  `rg${version}_${groupId.replace(/[^A-Za-z0-9_]/g, '_')}`;

/** nft's names for the protocols it knows by name; any other is written by number. */
const L4_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 33: 'dccp', 58: 'ipv6-icmp', 132: 'sctp', 136: 'udplite' };

const inRange = (v: number | null, max: number): boolean => v === null || (Number.isInteger(v) && v >= 0 && v <= max);

/** The protocol and port (or ICMP type/code) part of a rule; undefined when the rule cannot be expressed. */
function protocolMatch(rule: GroupRule, version: IpVersion): string[] | undefined {
  let proto = protocolNumber(rule.protocol);
  if (proto === undefined) return [];
  if (!Number.isInteger(proto) || proto < 0 || proto > 255) return undefined;
  // Neutron's drivers read "icmp" in an IPv6 rule as ICMPv6; ICMPv6 in an IPv4 rule matches nothing.
  if (proto === 1 && version === 6) proto = 58;
  if (proto === 58 && version === 4) return undefined;
  const parts = [`meta l4proto ${L4_NAMES[proto] ?? proto}`];
  const { portRangeMin: min, portRangeMax: max } = rule;
  if (PORT_PROTOCOLS.has(proto)) {
    if (!inRange(min, 65535) || !inRange(max, 65535)) return undefined;
    if (min !== null) parts.push(`th dport ${max === null || max <= min ? min : `${min}-${max}`}`);
  } else if (ICMP_PROTOCOLS.has(proto)) {
    if (!inRange(min, 255) || !inRange(max, 255)) return undefined;
    const icmp = proto === 1 ? 'icmp' : 'icmpv6';
    if (min !== null) {
      parts.push(`${icmp} type ${min}`);
      if (max !== null) parts.push(`${icmp} code ${max}`);
    }
  }
  return parts;
}

/**
 * One security group rule as an nft match (without its verdict), for the port chain of
 * its direction: the remote end is the source of ingress traffic and the destination
 * of egress traffic. Undefined when the rule matches nothing on this ethertype (a
 * prefix of the other family) or holds a value that does not parse.
 */
export function ruleMatch(rule: GroupRule): string | undefined {
  const version: IpVersion = rule.ethertype === 'IPv6' ? 6 : 4;
  const parts = [`meta nfproto ipv${version}`];
  const proto = protocolMatch(rule, version);
  if (!proto) return undefined;
  parts.push(...proto);
  const ip = version === 4 ? 'ip' : 'ip6';
  const side = rule.direction === 'ingress' ? 'saddr' : 'daddr';
  if (rule.remoteIpPrefix !== null) {
    const prefix = nftAddress(rule.remoteIpPrefix);
    if (!prefix || prefix.version !== version) return undefined;
    // 0.0.0.0/0 and ::/0 are "anywhere": no address match at all.
    if (!prefix.text.endsWith('/0')) parts.push(`${ip} ${side} ${prefix.text}`);
  } else if (rule.remoteGroupId !== null) {
    parts.push(`${ip} ${side} @${remoteGroupSet(rule.remoteGroupId, version)}`);
  }
  return parts.join(' ');
}
