import type { RequestContext } from './context.js';

/**
 * Turns a token into the caller's context, or throws UnauthorizedError. Identity
 * implements it in-process; other services get one that asks identity over HTTP.
 */
export interface TokenValidator {
  validate(token: string, requestId: string): Promise<RequestContext>;
}

/**
 * Remembers successful validations for a short time, as keystonemiddleware's token
 * cache does, so a busy API does not ask identity on every request. Revocations reach
 * cached tokens once the entry expires, which bounds the staleness to `ttlMs`.
 */
export class CachingTokenValidator implements TokenValidator {
  private readonly entries = new Map<string, { ctx: RequestContext; until: number }>();

  constructor(
    private readonly inner: TokenValidator,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  async validate(token: string, requestId: string): Promise<RequestContext> {
    const hit = this.entries.get(token);
    const now = this.now();
    if (hit && hit.until > now && hit.ctx.expiresAt.getTime() > now) return { ...hit.ctx, requestId };
    const ctx = await this.inner.validate(token, requestId);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(token, { ctx, until: now + this.ttlMs });
    return ctx;
  }

  /** Drops a token at once (used when a service learns of a revocation). */
  forget(token: string): void {
    this.entries.delete(token);
  }
}
