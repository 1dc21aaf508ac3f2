import type { FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { ForbiddenError } from '../../core/http/index.js';
import type { TokenData } from '../auth/token-data.js';
import type { IdentityService } from '../service.js';

/**
 * Shared by the delegation APIs (application credentials, access rules, trusts): the
 * caller's full token, which says how it was obtained, and the role view they embed.
 */

/** The caller's validated token (memoised by the token service, so this is cheap). */
export async function callerToken(svc: IdentityService, request: FastifyRequest): Promise<TokenData> {
  return svc.tokens.validate(callerOf(request).token, 'caller');
}

/**
 * Keystone refuses to manage application credentials (or access rules) with a token
 * from a trust: a credential would outlive the delegation it came from.
 */
export function refuseTrustToken(token: TokenData): void {
  if (token.trust) throw new ForbiddenError('Cannot manage application credentials with a token issued via delegation.');
}

/** A restricted application credential may not be used to manage delegations. */
export function refuseRestrictedAppCred(token: TokenData, what: string): void {
  if (token.applicationCredential?.restricted) {
    throw new ForbiddenError(`Using method 'application_credential' is not allowed for managing ${what}.`);
  }
}

