/**
 * IP addresses and CIDRs as BigInt, so IPv4 and IPv6 share one arithmetic. Strings are
 * parsed strictly (no octal, no zone ids) and formatted as netaddr does: dotted quads
 * and RFC 5952 compressed lower-case IPv6.
 */

export type IpVersion = 4 | 6;

export interface Address {
  version: IpVersion;
  value: bigint;
}

export interface Cidr {
  version: IpVersion;
  /** The first address of the network (host bits cleared). */
  network: bigint;
  prefixlen: number;
}

export const bitsOf = (version: IpVersion): number => (version === 4 ? 32 : 128);

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split('::').length > 2) return undefined;
  let groups: string[];
  let tail: bigint[] = [];
  const lastColon = text.lastIndexOf(':');
  let body = text;
  if (text.slice(lastColon + 1).includes('.')) {
    // Embedded IPv4 tail (::ffff:1.2.3.4) fills the last two groups.
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    // Keep a '::' that ends right before the IPv4 part; otherwise drop the separator.
    body = text[lastColon - 1] === ':' ? text.slice(0, lastColon + 1) : text.slice(0, lastColon);
  }
  const want = 8 - tail.length;
  if (body.includes('::')) {
    const [head, rest] = body.split('::') as [string, string];
    const h = head ? head.split(':') : [];
    const r = rest ? rest.split(':') : [];
    if (h.length + r.length >= want) return undefined;
    groups = [...h, ...Array<string>(want - h.length - r.length).fill('0'), ...r];
  } else {
    groups = body.split(':');
    if (groups.length !== want) return undefined;
  }
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(`0x${g}`);
  }
  for (const t of tail) value = (value << 16n) | t;
  return value;
}

/** An IPv4 or IPv6 address, or undefined when the text is not one. */
export function parseAddress(text: unknown): Address | undefined {
  if (typeof text !== 'string' || text.length > 45) return undefined;
  const v4 = parseV4(text);
  if (v4 !== undefined) return { version: 4, value: v4 };
  const v6 = text.includes(':') ? parseV6(text) : undefined;
  return v6 === undefined ? undefined : { version: 6, value: v6 };
}

export function formatAddress(version: IpVersion, value: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt((7 - i) * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The canonical text of an address string, or undefined when it is not one. */
export function canonicalAddress(text: unknown): string | undefined {
  const a = parseAddress(text);
  return a && formatAddress(a.version, a.value);
}

const mask = (version: IpVersion, prefixlen: number): bigint => {
  const bits = BigInt(bitsOf(version));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefixlen))) - 1n);
};

/**
 * Parses `addr/prefixlen` (a bare address is a host route). `hostBits` is whether the
 * address had bits set below the prefix: Neutron rejects that for subnets and
 * recommends the network form instead.
 */
export function parseCidr(text: unknown): (Cidr & { hostBits: boolean }) | undefined {
  if (typeof text !== 'string') return undefined;
  const [addr, len, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const a = parseAddress(addr);
  if (!a) return undefined;
  const bits = bitsOf(a.version);
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return undefined;
  const prefixlen = len === undefined ? bits : Number(len);
  if (prefixlen > bits) return undefined;
  const network = a.value & mask(a.version, prefixlen);
  return { version: a.version, network, prefixlen, hostBits: network !== a.value };
}

/** The netmask of a CIDR as netaddr prints it: 255.255.255.0, ffff:ffff:ffff:ffff:: */
export function netmaskOf(c: Pick<Cidr, 'version' | 'prefixlen'>): string {
  return formatAddress(c.version, mask(c.version, c.prefixlen));
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress(c.version, c.network)}/${c.prefixlen}`;
}

/** The last address of a CIDR (the IPv4 broadcast address). */
export function lastAddress(c: Cidr): bigint {
  return c.network + (1n << BigInt(bitsOf(c.version) - c.prefixlen)) - 1n;
}

export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(bitsOf(c.version) - c.prefixlen);
}

export function cidrContains(c: Cidr, a: Address): boolean {
  return a.version === c.version && a.value >= c.network && a.value <= lastAddress(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.network <= lastAddress(b) && b.network <= lastAddress(a);
}
