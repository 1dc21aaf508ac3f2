import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password and secret hashing with scrypt, in passlib's modular format
 * (`$scrypt$ln=14,r=8,p=1$<salt>$<hash>`, Keystone's scrypt option writes the same).
 * scrypt runs on libuv's thread pool, so hashing never blocks the event loop.
 */
export class PasswordHasher {
  constructor(private readonly params: { nBits: number; r: number; p: number }) {}

  async hash(secret: string): Promise<string> {
    const { nBits, r, p } = this.params;
    const salt = randomBytes(16);
    const key = await derive(secret, salt, nBits, r, p);
    return `$scrypt$ln=${nBits},r=${r},p=${p}$${b64(salt)}$${b64(key)}`;
  }

  /** True when `secret` matches `stored`; a malformed stored hash never matches. */
  async verify(secret: string, stored: string): Promise<boolean> {
    const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(stored);
    if (!m) return false;
    const expected = fromB64(m[5] ?? '');
    const key = await derive(secret, fromB64(m[4] ?? ''), Number(m[1]), Number(m[2]), Number(m[3]), expected.length);
    return key.length === expected.length && timingSafeEqual(key, expected);
  }
}

function derive(secret: string, salt: Buffer, nBits: number, r: number, p: number, length = 32): Promise<Buffer> {
  const N = 2 ** nBits;
  return new Promise((resolve, reject) => {
    // maxmem must cover 128 * N * r bytes, which exceeds Node's 32 MiB default from ln=15.
    scrypt(secret, salt, length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

// passlib's "ab64": standard base64 with '.' for '+' and no padding.
const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
const fromB64 = (s: string): Buffer => Buffer.from(s.replace(/\./g, '+'), 'base64');
