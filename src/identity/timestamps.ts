import { BadRequestError } from '../core/http/index.js';

/**
 * Expiry times of trusts and application credentials. Keystone keeps them with
 * microsecond precision and clients compare what they sent with what they get back,
 * so they are stored as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, six fractional digits),
 * which a JavaScript Date alone could not round-trip.
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A stored micro-precision time, or undefined when `text` is not ISO 8601. */
export function normalizeIsoTime(text: string): string | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const micros = (frac + '000000').slice(0, 6);
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(base) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offsetMin = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  }
  const utc = new Date(base - offsetMin * 60_000);
  return `${utc.toISOString().slice(0, 19)}.${micros}Z`;
}

/** The Date of a stored micro-precision time (sub-millisecond digits dropped). */
export const storedTimeToDate = (stored: string): Date => new Date(`${stored.slice(0, 23)}Z`);

/**
 * Keystone's utils.parse_expiration_date: a time without a zone is UTC; an unparsable
 * one or one in the past is a 400.
 */
export function parseExpiration(text: string, now: Date): string {
  const stored = normalizeIsoTime(text);
  if (!stored) {
    throw new BadRequestError('Timestamp not in expected format. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
  }
  if (storedTimeToDate(stored) <= now) {
    throw new BadRequestError("The 'expires_at' must not be before now. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.");
  }
  return stored;
}

/** Keystone's JSON form of a naive datetime (application credentials): no zone suffix. */
export const naiveTime = (stored: string): string => stored.replace(/Z$/, '');
