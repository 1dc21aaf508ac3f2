import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The Fernet token format (https://github.com/fernet/spec), byte for byte what
 * Python's `cryptography.fernet` (and so Keystone) produces and accepts:
 *
 *   0x80 | timestamp (u64 BE seconds) | IV (16) | AES-128-CBC(PKCS7) | HMAC-SHA256 (32)
 *
 * all url-safe base64. A key is 32 bytes of url-safe base64: the first 16 sign,
 * the last 16 encrypt.
 */

const VERSION = 0x80;
const HEADER_LENGTH = 1 + 8 + 16;
const HMAC_LENGTH = 32;
const BLOCK = 16;
/** cryptography's _MAX_CLOCK_SKEW: tokens stamped further ahead than this are refused when a TTL applies. */
const MAX_CLOCK_SKEW_SECONDS = 60;

/** Why a token was refused; every case means "do not trust this token". */
export type FernetFailure = 'format' | 'signature' | 'ttl';

export class InvalidFernetTokenError extends Error {
  override readonly name = 'InvalidFernetTokenError';
  constructor(readonly reason: FernetFailure, message: string) {
    super(message);
  }
}

export interface DecryptOptions {
  /** When set, tokens older than this (or stamped > 60 s in the future) are refused. Keystone does not use it. */
  ttlSeconds?: number;
  /** The time TTL and skew are measured against; required with `ttlSeconds`. */
  now?: Date;
}

interface ParsedKey {
  signing: Buffer;
  encryption: Buffer;
}

/** A fresh random key in the on-disk form (44 characters, padded url-safe base64). */
export function generateKey(): string {
  return toPaddedBase64Url(randomBytes(32));
}

/** Checks a key's form without using it; throws a plain Error naming the problem. */
export function parseKey(key: string): ParsedKey {
  const trimmed = key.trim();
  if (!/^[A-Za-z0-9_-]{43}=?$/.test(trimmed)) {
    throw new Error('Fernet key must be 32 url-safe base64-encoded bytes.');
  }
  const raw = Buffer.from(trimmed, 'base64url');
  return { signing: raw.subarray(0, 16), encryption: raw.subarray(16, 32) };
}

/**
 * Encrypts `payload` into a padded Fernet token. `iv` exists for the spec's test
 * vectors; production callers must leave it out so a random one is drawn.
 */
export function encrypt(payload: Buffer, key: string, now: Date, iv: Buffer = randomBytes(BLOCK)): string {
  if (iv.length !== BLOCK) throw new Error('Fernet IV must be 16 bytes.');
  const { signing, encryption } = parseKey(key);
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt8(VERSION, 0);
  header.writeBigUInt64BE(BigInt(Math.floor(now.getTime() / 1000)), 1);
  iv.copy(header, 9);
  const cipher = createCipheriv('aes-128-cbc', encryption, iv);
  const body = Buffer.concat([header, cipher.update(payload), cipher.final()]);
  const mac = createHmac('sha256', signing).update(body).digest();
  return toPaddedBase64Url(Buffer.concat([body, mac]));
}

/**
 * Decrypts with the first key whose HMAC matches (MultiFernet). Accepts tokens
 * with or without `=` padding, because Keystone hands them out stripped.
 * Throws InvalidFernetTokenError; an unknown key looks like a bad signature.
 */
export function decrypt(token: string, keys: readonly string[], options: DecryptOptions = {}): Buffer {
  const data = decodeToken(token);
  const body = data.subarray(0, data.length - HMAC_LENGTH);
  const mac = data.subarray(data.length - HMAC_LENGTH);
  checkTtl(data, options);
  for (const key of keys) {
    const { signing, encryption } = parseKey(key);
    const expected = createHmac('sha256', signing).update(body).digest();
    if (!timingSafeEqual(expected, mac)) continue;
    try {
      const decipher = createDecipheriv('aes-128-cbc', encryption, data.subarray(9, HEADER_LENGTH));
      return Buffer.concat([decipher.update(body.subarray(HEADER_LENGTH)), decipher.final()]);
    } catch {
      // A valid HMAC with bad padding means the signer produced garbage; no other key can help.
      throw new InvalidFernetTokenError('format', 'Fernet token padding is invalid.');
    }
  }
  throw new InvalidFernetTokenError('signature', 'Fernet token signature does not match any key.');
}

/** The token's creation time (the Fernet timestamp), without verifying it. */
export function timestampOf(token: string): Date {
  const data = decodeToken(token);
  return new Date(Number(data.readBigUInt64BE(1)) * 1000);
}

/** Keystone strips `=` (not url-safe); put it back so the length is a multiple of 4. */
export function restorePadding(token: string): string {
  const missing = (4 - (token.length % 4)) % 4;
  return token + '='.repeat(missing);
}

function decodeToken(token: string): Buffer {
  const padded = restorePadding(token);
  // Strict alphabet check: Node's decoder would silently skip stray characters.
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(padded) || padded.length % 4 !== 0) {
    throw new InvalidFernetTokenError('format', 'Fernet token is not url-safe base64.');
  }
  const data = Buffer.from(padded, 'base64url');
  const cipherLength = data.length - HEADER_LENGTH - HMAC_LENGTH;
  if (data[0] !== VERSION || cipherLength < BLOCK || cipherLength % BLOCK !== 0) {
    throw new InvalidFernetTokenError('format', 'Fernet token has the wrong version or length.');
  }
  return data;
}

function checkTtl(data: Buffer, { ttlSeconds, now }: DecryptOptions): void {
  if (ttlSeconds === undefined) return;
  if (now === undefined) throw new Error('decrypt: `now` is required with `ttlSeconds`.');
  const stamped = Number(data.readBigUInt64BE(1));
  const current = Math.floor(now.getTime() / 1000);
  if (stamped + ttlSeconds < current || current + MAX_CLOCK_SKEW_SECONDS < stamped) {
    throw new InvalidFernetTokenError('ttl', 'Fernet token is expired or from the future.');
  }
}

function toPaddedBase64Url(data: Buffer): string {
  return restorePadding(data.toString('base64url'));
}
