import { randomBytes } from 'node:crypto';

/**
 * A random MAC under Neutron's base_mac: the bytes the base sets stay, the zero bytes
 * after them are random (fa:16:3e:00:00:00 gives fa:16:3e:xx:xx:xx). Uniqueness per
 * network is the database's job (a unique index); callers retry on a clash.
 */
export function generateMac(baseMac: string): string {
  const base = baseMac.split(':').map((b) => parseInt(b, 16));
  const random = randomBytes(6);
  let fixed = 6;
  while (fixed > 0 && base[fixed - 1] === 0) fixed--;
  return base.map((b, i) => (i < fixed ? b : random[i]!)).map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** A MAC address in Neutron's canonical lower-case colon form, or undefined. */
export function canonicalMac(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/.exec(text);
  if (!m) return undefined;
  const mac = m.slice(1).join(':').toLowerCase();
  // Neutron refuses only these two (neutron_lib's INVALID_MAC_ADDRESSES).
  if (mac === '00:00:00:00:00:00' || mac === 'ff:ff:ff:ff:ff:ff') return undefined;
  return mac;
}

/** The SLAAC (EUI-64) address of a MAC on an IPv6 /64 prefix. */
export function eui64(prefix: bigint, mac: string): bigint {
  const b = mac.split(':').map((x) => BigInt(parseInt(x, 16)));
  const id = [b[0]! ^ 2n, b[1]!, b[2]!, 0xffn, 0xfen, b[3]!, b[4]!, b[5]!].reduce((acc, x) => (acc << 8n) | x, 0n);
  return prefix | id;
}
