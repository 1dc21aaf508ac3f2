import { canonicalAddress, cidrContains, formatCidr, lastAddress, parseAddress, parseCidr, type Cidr } from '../../core/net/address.js';
import { defaultPools, formatRange, rangesOverlap, type AddressRange } from '../ipam/ranges.js';
import { invalidInput, NeutronError } from '../errors.js';
import type { AllocationPool, HostRoute, Ipv6Mode } from '../model.js';

/**
 * Neutron's subnet checks, with its messages: the attribute validators of neutron_lib
 * (cidr, addresses, pools, nameservers, host routes) and the plugin's rules (gateway,
 * pools inside the cidr and apart from the gateway, IPv6 modes).
 */

/** The cidr of a subnet request; host bits set get Neutron's "recommended" message. */
export function subnetCidr(value: unknown): Cidr {
  const c = parseCidr(value);
  if (!c || (typeof value === 'string' && !value.includes('/'))) throw invalidInput(`'${String(value)}' is not a valid IP subnet`);
  if (c.hostBits) throw invalidInput(`'${String(value)}' isn't a recognized IP subnet cidr, '${formatCidr(c)}' is recommended`);
  return { version: c.version, network: c.network, prefixlen: c.prefixlen };
}

export function ipVersionOf(value: unknown): 4 | 6 {
  const v = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (v !== 4 && v !== 6) throw invalidInput(`${String(value)} is not in [4, 6]`);
  return v;
}

/** The canonical text of an address attribute, checked against the subnet's version. */
export function addressIn(version: 4 | 6, value: unknown, name: string): string {
  const a = parseAddress(value);
  if (!a) throw invalidInput(`'${String(value)}' is not a valid IP address`);
  if (a.version !== version) throw invalidInput(`${name} '${String(value)}' does not match the ip_version '${version}'`);
  return canonicalAddress(value)!;
}

/** Neutron's check_gateway_invalid_in_subnet: inside the cidr it may be neither the network nor the v4 broadcast address. */
export function checkGateway(cidr: Cidr, gateway: string): void {
  const g = parseAddress(gateway)!;
  if (cidrContains(cidr, g) && (g.value === cidr.network || (cidr.version === 4 && g.value === lastAddress(cidr)))) {
    throw invalidInput('Gateway is not valid on subnet');
  }
}

export function nameservers(value: unknown, version: 4 | 6, max: number, subnetId: string): string[] {
  if (!Array.isArray(value)) throw invalidInput(`'${String(value)}' is not a list`);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const ns of value) {
    const a = canonicalAddress(ns);
    if (!a) throw invalidInput(`'${String(ns)}' is not a valid nameserver. '${String(ns)}' is not a valid IP address`);
    if (seen.has(a)) throw invalidInput(`Duplicate nameserver '${String(ns)}'`);
    if (parseAddress(a)!.version !== version) throw invalidInput(`dns_nameserver '${String(ns)}' does not match the ip_version '${version}'`);
    seen.add(a);
    out.push(a);
  }
  if (out.length > max) throw new NeutronError(400, 'DNSNameServersExhausted', `Unable to complete operation for ${subnetId}. The number of DNS nameservers exceeds the limit ${max}.`);
  return out;
}

/** A subnet's host routes (all of its IP version) or, with version null, a router's routes (each its own). */
export function hostRoutes(value: unknown, version: 4 | 6 | null, max: number, subnetId: string): HostRoute[] {
  if (!Array.isArray(value)) throw invalidInput(`'${String(value)}' is not a list`);
  const seen = new Set<string>();
  const out: HostRoute[] = [];
  for (const route of value) {
    const r = route as Partial<HostRoute> | null;
    if (!r || typeof r !== 'object' || Object.keys(r).sort().join() !== 'destination,nexthop') throw invalidInput(`Invalid data format for hostroute: '${JSON.stringify(route)}'`);
    const dest = parseCidr(r.destination);
    if (!dest) throw invalidInput(`'${String(r.destination)}' is not a valid IP subnet`);
    const nexthop = canonicalAddress(r.nexthop);
    if (!nexthop) throw invalidInput(`'${String(r.nexthop)}' is not a valid IP address`);
    const want = version ?? dest.version;
    if (dest.version !== want) throw invalidInput(`destination '${String(r.destination)}' does not match the ip_version '${want}'`);
    if (parseAddress(nexthop)!.version !== want) throw invalidInput(`nexthop '${String(r.nexthop)}' does not match the ip_version '${want}'`);
    const normal = { destination: formatCidr(dest), nexthop };
    const key = `${normal.destination} ${normal.nexthop}`;
    if (seen.has(key)) throw invalidInput(`Duplicate hostroute '${JSON.stringify(route)}'`);
    seen.add(key);
    out.push(normal);
  }
  if (out.length > max) throw new NeutronError(400, 'HostRoutesExhausted', `Unable to complete operation for ${subnetId}. The number of host routes exceeds the limit ${max}.`);
  return out;
}

/** Pools as given, checked: well-formed, inside the cidr, apart from each other and from the gateway. */
export function allocationPools(value: unknown, cidr: Cidr, gateway: string | null): AllocationPool[] {
  if (!Array.isArray(value)) throw invalidInput(`'${String(value)}' is not a list`);
  const ranges: AddressRange[] = [];
  const subnetFirst = cidr.network + 1n;
  const subnetLast = lastAddress(cidr) - (cidr.version === 4 ? 1n : 0n);
  for (const pool of value) {
    const p = pool as Partial<AllocationPool> | null;
    if (!p || typeof p !== 'object' || Object.keys(p).sort().join() !== 'end,start') throw invalidInput(`Invalid data format for IP pool: '${JSON.stringify(pool)}'`);
    const start = parseAddress(p.start);
    const end = parseAddress(p.end);
    if (!start) throw invalidInput(`'${String(p.start)}' is not a valid IP address`);
    if (!end) throw invalidInput(`'${String(p.end)}' is not a valid IP address`);
    const text = `${String(p.start)}-${String(p.end)}`;
    if (start.version !== cidr.version || end.version !== cidr.version || start.value > end.value) {
      throw new NeutronError(400, 'InvalidAllocationPool', `The allocation pool ${text} is not valid.`);
    }
    const range = { start: start.value, end: end.value };
    if (range.start < subnetFirst || range.end > subnetLast) {
      throw new NeutronError(400, 'OutOfBoundsAllocationPool', `The allocation pool ${formatRange(cidr.version, range)} spans beyond the subnet cidr ${formatCidr(cidr)}.`);
    }
    ranges.push(range);
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      if (rangesOverlap(ranges[i]!, ranges[j]!)) {
        throw new NeutronError(400, 'OverlappingAllocationPools', `Found overlapping allocation pools: ${formatRange(cidr.version, ranges[i]!)} ${formatRange(cidr.version, ranges[j]!)} for subnet ${formatCidr(cidr)}.`);
      }
    }
  }
  checkGatewayOutsidePools(cidr, ranges, gateway);
  return ranges.sort((a, b) => (a.start < b.start ? -1 : 1)).map((r) => poolOf(cidr, r));
}

export function checkGatewayOutsidePools(cidr: Cidr, ranges: AddressRange[], gateway: string | null): void {
  if (gateway === null) return;
  const g = parseAddress(gateway)!.value;
  const hit = ranges.find((r) => g >= r.start && g <= r.end);
  if (hit) throw new NeutronError(409, 'GatewayConflictWithAllocationPools', `Gateway ip ${gateway} conflicts with allocation pool ${formatRange(cidr.version, hit)}`);
}

const poolOf = (cidr: Cidr, r: AddressRange): AllocationPool => {
  const [start, end] = formatRange(cidr.version, r).split('-') as [string, string];
  return { start, end };
};

export function defaultAllocationPools(cidr: Cidr, gateway: string | null): AllocationPool[] {
  return defaultPools(cidr, gateway === null ? null : parseAddress(gateway)!.value).map((r) => poolOf(cidr, r));
}

export function poolRanges(pools: readonly AllocationPool[]): AddressRange[] {
  return pools.map((p) => ({ start: parseAddress(p.start)!.value, end: parseAddress(p.end)!.value }));
}

const IPV6_MODES: readonly Ipv6Mode[] = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'];

export function ipv6Mode(value: unknown, name: string): Ipv6Mode | null {
  if (value === undefined || value === null) return null;
  if (!IPV6_MODES.includes(value as Ipv6Mode)) throw invalidInput(`${String(value)} is not in ${JSON.stringify(IPV6_MODES).replace(/"/g, "'").replace(/,/g, ', ')}`);
  return value as Ipv6Mode;
}

/** Neutron's IPv6 attribute rules: modes only on IPv6, equal when both are set, SLAAC needs a /64. */
export function checkIpv6Modes(cidr: Cidr, ra: Ipv6Mode | null, address: Ipv6Mode | null, enableDhcp: boolean): void {
  if (cidr.version === 4) {
    if (ra || address) throw invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when ip_version is 4');
    return;
  }
  if (ra && address && ra !== address) {
    throw invalidInput(`ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${address}' is not valid. If both attributes are set, they must be the same value`);
  }
  if ((ra || address) && !enableDhcp) throw invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False');
  const auto = address === 'slaac' || address === 'dhcpv6-stateless';
  if (auto && cidr.prefixlen !== 64) {
    throw invalidInput(`Invalid CIDR ${formatCidr(cidr)} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64`);
  }
}

/** Whether addresses on this subnet come from the MAC (SLAAC / DHCPv6-stateless) rather than IPAM. */
export const isAutoAddress = (s: { ipVersion: 4 | 6; ipv6AddressMode: Ipv6Mode | null }): boolean =>
  s.ipVersion === 6 && (s.ipv6AddressMode === 'slaac' || s.ipv6AddressMode === 'dhcpv6-stateless');
