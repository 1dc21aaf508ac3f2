import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../http/errors.js';
import type { RequestContext } from './context.js';
import type { TokenValidator } from './validator.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on routes that require a token. */
    authContext?: RequestContext;
  }
}

/** A Fastify preHandler that requires a valid X-Auth-Token and records who called. */
export function requireToken(validator: TokenValidator) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = request.headers['x-auth-token'];
    if (typeof token !== 'string' || token === '') throw new UnauthorizedError();
    request.authContext = await validator.validate(token, request.id);
  };
}

/** The caller of a route guarded by requireToken. */
export function callerOf(request: FastifyRequest): RequestContext {
  if (!request.authContext) throw new UnauthorizedError();
  return request.authContext;
}
