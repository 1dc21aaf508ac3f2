import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';

/** Route options that require a valid X-Auth-Token (spread into a route's options). */
export type Guard = { preHandler: preHandlerAsyncHookHandler };

/** Base URL for version links: where the client reached us. */
export function requestBase(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

export type IdParams = { id: string };
