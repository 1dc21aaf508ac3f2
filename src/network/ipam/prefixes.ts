import { bitsOf, cidrsOverlap, lastAddress, type Cidr } from '../../core/net/address.js';

const sameCidr = (a: Cidr, b: Cidr): boolean => a.network === b.network && a.prefixlen === b.prefixlen;

/** Whether `outer` holds all of `inner`. */
export function cidrCovers(outer: Cidr, inner: Cidr): boolean {
  return outer.version === inner.version && outer.prefixlen <= inner.prefixlen && inner.network >= outer.network && lastAddress(inner) <= lastAddress(outer);
}

/**
 * netaddr's cidr_merge for one IP version: drops CIDRs inside others and joins
 * sibling halves into their parent until nothing changes, then sorts.
 */
export function mergeCidrs(cidrs: readonly Cidr[]): Cidr[] {
  let list = [...cidrs].filter((c, i) => !cidrs.some((o, j) => (j < i && sameCidr(o, c)) || (!sameCidr(o, c) && cidrCovers(o, c))));
  let changed = true;
  while (changed) {
    changed = false;
    list.sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : a.prefixlen - b.prefixlen));
    for (let i = 0; i + 1 < list.length; i++) {
      const a = list[i]!;
      const b = list[i + 1]!;
      const size = 1n << BigInt(bitsOf(a.version) - a.prefixlen);
      const isLeftHalf = a.prefixlen > 0 && (a.network / size) % 2n === 0n;
      if (a.prefixlen === b.prefixlen && isLeftHalf && b.network === a.network + size) {
        list = [...list.slice(0, i), { version: a.version, network: a.network, prefixlen: a.prefixlen - 1 }, ...list.slice(i + 2)];
        changed = true;
        break;
      }
    }
  }
  return list;
}

/**
 * The first block of `prefixlen` inside the pool's prefixes that overlaps none of the
 * allocated cidrs, or undefined when the pool has no room. Each step jumps past the
 * allocation in the way, so a full /8 of /24s is found in one pass, not 65,536 probes.
 */
export function firstFreePrefix(prefixes: readonly Cidr[], allocated: readonly Cidr[], prefixlen: number): Cidr | undefined {
  for (const prefix of prefixes) {
    if (prefixlen < prefix.prefixlen) continue;
    const size = 1n << BigInt(bitsOf(prefix.version) - prefixlen);
    const end = lastAddress(prefix);
    let start = prefix.network;
    while (start + size - 1n <= end) {
      const candidate: Cidr = { version: prefix.version, network: start, prefixlen };
      const blocking = allocated.filter((a) => cidrsOverlap(a, candidate));
      if (blocking.length === 0) return candidate;
      const past = blocking.reduce((m, a) => (lastAddress(a) > m ? lastAddress(a) : m), 0n) + 1n;
      start = ((past + size - 1n) / size) * size;
    }
  }
  return undefined;
}
