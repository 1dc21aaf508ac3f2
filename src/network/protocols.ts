/**
 * IP protocols a security group rule may name (neutron_lib's IP_PROTOCOL_MAP), with
 * their numbers, so that "tcp" and "6" are recognised as the same rule.
 */
export const IP_PROTOCOLS: Readonly<Record<string, number>> = {
  ah: 51, dccp: 33, egp: 8, esp: 50, gre: 47, hopopt: 0, icmp: 1, igmp: 2, ipip: 4, 'ipv6-encap': 41, 'ipv6-frag': 44,
  'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59, 'ipv6-opts': 60, 'ipv6-route': 43, ospf: 89, pgm: 113, rsvp: 46,
  sctp: 132, tcp: 6, udp: 17, udplite: 136, vrrp: 112,
};

/** Protocols whose rules may carry a port range (Neutron's SG_PORT_PROTO_NAMES and their numbers). */
export const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);

/** ICMP and ICMPv6: port_range_min/max mean ICMP type/code. */
export const ICMP_PROTOCOLS = new Set([1, 58]);

/** A protocol's number, or undefined for any protocol (null). */
export function protocolNumber(protocol: string | null): number | undefined {
  if (protocol === null) return undefined;
  return IP_PROTOCOLS[protocol] ?? Number(protocol);
}
