import type { FastifyRequest } from 'fastify';
import { callerOf } from '../../../core/auth/index.js';
import { Caller } from '../access.js';
import type { MetadefDeps } from '../deps.js';

/** Path parameters of the routes under /v2/metadefs/namespaces/{namespace}. */
export type NsParams = { namespace: string };

/** The metadef view of who is calling (requires the guard to have run). */
export function caller(deps: MetadefDeps, request: FastifyRequest): Caller {
  return new Caller(deps, callerOf(request));
}

/** Base of every metadef namespace route. */
export const NS = '/v2/metadefs/namespaces';
