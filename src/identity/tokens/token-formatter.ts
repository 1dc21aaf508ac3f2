import { decrypt, encrypt, InvalidFernetTokenError, timestampOf } from './fernet.js';
import type { KeySource } from './key-ring.js';
import { MalformedPayloadError, pack, unpack, type NewTokenPayload, type TokenPayload } from './payload.js';

/** Why validation failed; callers map every reason to Keystone's 404/401 without revealing it. */
export type InvalidTokenReason = 'format' | 'signature' | 'payload' | 'expired';

/** The token must not be honoured. `reason` is for logs, not for the client. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
  constructor(readonly reason: InvalidTokenReason, message: string) {
    super(message);
  }
}

/**
 * Keystone's TokenFormatter: payload -> msgpack -> Fernet, with the `=`
 * padding stripped because it is not url-safe (tokens travel in headers and
 * URLs). Tokens are never stored; validity is the signature plus `expiresAt`.
 */
export class TokenFormatter {
  constructor(
    private readonly keyRing: KeySource,
    private readonly clock: () => Date,
  ) {}

  /** Encrypts with the primary key; the issue time is the clock's, to the second. Throws KeysNotFoundError. */
  create(payload: NewTokenPayload): string {
    const [primary] = this.keyRing.keys();
    if (primary === undefined) throw new Error('Key source returned no keys.');
    return encrypt(pack(payload), primary, this.clock()).replace(/=+$/, '');
  }

  /**
   * The payload of a genuine, unexpired token; throws InvalidTokenError otherwise.
   * `allowExpiredMs` accepts tokens that expired at most that long ago (Keystone's
   * `?allow_expired` with [token] allow_expired_window).
   */
  validate(token: string, allowExpiredMs = 0): TokenPayload {
    let plain: Buffer;
    try {
      plain = decrypt(token, this.keyRing.keys());
    } catch (error) {
      if (error instanceof InvalidFernetTokenError) {
        throw new InvalidTokenError(error.reason === 'signature' ? 'signature' : 'format', 'Could not recognize Fernet token');
      }
      throw error;
    }
    let payload: TokenPayload;
    try {
      payload = unpack(plain, timestampOf(token));
    } catch (error) {
      if (error instanceof MalformedPayloadError) throw new InvalidTokenError('payload', error.message);
      throw error;
    }
    if (payload.expiresAt.getTime() + allowExpiredMs <= this.clock().getTime()) {
      throw new InvalidTokenError('expired', 'The token has expired.');
    }
    return payload;
  }
}
