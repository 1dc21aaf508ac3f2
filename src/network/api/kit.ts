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

/** The items of a bulk create (`{"networks": [{...}, ...]}`), or undefined when the body is a single resource. */
export function bulkBodies(request: FastifyRequest, plural: string): Array<Record<string, unknown>> | undefined {
  const items = (request.body as Record<string, unknown> | undefined)?.[plural];
  if (items === undefined) return undefined;
  if (!Array.isArray(items) || items.length === 0 || items.some((i) => typeof i !== 'object' || i === null || Array.isArray(i))) {
    throw new NeutronError(400, 'HTTPBadRequest', 'Resources required');
  }
  return items as Array<Record<string, unknown>>;
}

/**
 * Neutron's bulk create: every item or none. Items are made in order; when one fails
 * the ones already made are removed again and the failure is the answer.
 */
export async function createAll<T>(bodies: Array<Record<string, unknown>>, create: (body: Record<string, unknown>) => Promise<T>,
  undo: (made: T) => Promise<void>): Promise<T[]> {
  const made: T[] = [];
  try {
    for (const body of bodies) made.push(await create(body));
    return made;
  } catch (e) {
    for (const m of made.reverse()) await undo(m).catch(() => undefined);
    throw e;
  }
}
