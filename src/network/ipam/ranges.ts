import { formatAddress, lastAddress, type Cidr, type IpVersion } from '../../core/net/address.js';

/** An inclusive range of addresses: an allocation pool. */
export interface AddressRange {
  start: bigint;
  end: bigint;
}

/** `start-end`, the way Neutron names a pool in its messages. */
export function formatRange(version: IpVersion, r: AddressRange): string {
  return `${formatAddress(version, r.start)}-${formatAddress(version, r.end)}`;
}

/**
 * The addresses a subnet hands out when no pools are given: all but the network
 * address, the IPv4 broadcast address and the gateway.
 */
export function defaultPools(cidr: Cidr, gateway: bigint | null): AddressRange[] {
  const first = cidr.network;
  const last = lastAddress(cidr);
  if (first === last) return [{ start: first, end: last }];
  const start = first + 1n;
  const end = last - (cidr.version === 4 ? 1n : 0n);
  if (start >= end) return [];
  return subtract([{ start, end }], gateway);
}

/** Ranges without one address (splitting the range it falls in). */
export function subtract(ranges: AddressRange[], address: bigint | null): AddressRange[] {
  if (address === null) return ranges;
  return ranges.flatMap((r) => {
    if (address < r.start || address > r.end) return [r];
    return [{ start: r.start, end: address - 1n }, { start: address + 1n, end: r.end }].filter((x) => x.start <= x.end);
  });
}

export const rangeContains = (r: AddressRange, a: bigint): boolean => a >= r.start && a <= r.end;
export const rangesOverlap = (a: AddressRange, b: AddressRange): boolean => a.start <= b.end && b.start <= a.end;

export function rangeSize(r: AddressRange): bigint {
  return r.end - r.start + 1n;
}

/** Index of the first element >= value in an ascending array. */
function lowerBound(sorted: readonly bigint[], value: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/**
 * The lowest address of the pools not in `used` (ascending), or undefined when every
 * pool is full. Binary search finds each pool's place among the used addresses, so a
 * large subnet with few allocations costs no more than a small one.
 */
export function firstFree(pools: readonly AddressRange[], used: readonly bigint[]): bigint | undefined {
  for (const pool of [...pools].sort((a, b) => (a.start < b.start ? -1 : 1))) {
    let i = lowerBound(used, pool.start);
    let candidate = pool.start;
    while (candidate <= pool.end && i < used.length && used[i] === candidate) {
      candidate++;
      i++;
    }
    if (candidate <= pool.end) return candidate;
  }
  return undefined;
}

/** How many addresses a set of pools holds (for network-ip-availabilities). */
export function poolsSize(pools: readonly AddressRange[]): bigint {
  return pools.reduce((n, r) => n + rangeSize(r), 0n);
}
