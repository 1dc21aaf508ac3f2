import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { NeutronError } from '../errors.js';

/** Route options that require a valid X-Auth-Token (spread into a route's options). */
export type Guard = { preHandler: preHandlerAsyncHookHandler };

export function requestBase(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

/** The `{"<resource>": {...}}` body Neutron expects, or its 400. */
export function resourceBody(request: FastifyRequest, resource: string): Record<string, unknown> {
  const body = request.body as Record<string, unknown> | undefined;
  const inner = body?.[resource];
  if (!body || typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
    throw new NeutronError(400, 'HTTPBadRequest', `Resource body required`);
  }
  return inner as Record<string, unknown>;
}
