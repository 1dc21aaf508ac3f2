import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { callerOf, policyCredentials, type RequestContext } from '../../core/auth/index.js';
import type { IdentityService } from '../service.js';

/** Route options that require a valid X-Auth-Token (spread into a route's options). */
export type Guard = { preHandler: preHandlerAsyncHookHandler };

/** Base URL for links: [DEFAULT] public_endpoint, else where the client reached us. */
export function baseUrl(svc: IdentityService, request: FastifyRequest): string {
  if (svc.settings.publicEndpoint) return svc.settings.publicEndpoint.replace(/\/$/, '');
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

export const selfLink = (svc: IdentityService, request: FastifyRequest, path: string): { self: string } =>
  ({ self: `${baseUrl(svc, request)}/v3/${path}` });

/** `links` of a collection: self is the request URL; Keystone does not page with markers. */
export function collectionLinks(svc: IdentityService, request: FastifyRequest): { self: string; previous: null; next: null } {
  return { self: `${baseUrl(svc, request)}${request.url}`, previous: null, next: null };
}

/**
 * Applies [identity] list_limit like Keystone: at most N items, and `truncated: true`
 * on the collection when some were left out.
 */
export function limitList<T>(svc: IdentityService, items: T[]): { items: T[]; truncated: boolean } {
  const limit = svc.settings.listLimit;
  if (limit === null || items.length <= limit) return { items, truncated: false };
  return { items: items.slice(0, limit), truncated: true };
}

export function listBody<T>(svc: IdentityService, request: FastifyRequest, key: string, items: T[]): Record<string, unknown> {
  const { items: shown, truncated } = limitList(svc, items);
  return { [key]: shown, links: collectionLinks(svc, request), ...(truncated ? { truncated: true } : {}) };
}

/**
 * Checks the named policy rule for the caller against `target` (the resource as the
 * rule sees it, e.g. `{ 'target.user.domain_id': ... }`) and returns the caller.
 */
export function authorize(svc: IdentityService, request: FastifyRequest, action: string, target: Record<string, unknown> = {}): RequestContext {
  const ctx = callerOf(request);
  svc.policy.authorize(action, target, policyCredentials(ctx));
  return ctx;
}

/** 201 with a body (Keystone answers creates with 201 Created). */
export function created(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.status(201).send(body);
}

/** Query string values as Fastify gives them (string or string[]), first value wins. */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const q = request.query as Record<string, string | string[] | undefined>;
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Keystone's truthiness for boolean query filters: 0 / false / no / off are false, anything else true. */
export function queryBool(request: FastifyRequest, name: string): boolean | undefined {
  const v = queryParam(request, name);
  if (v === undefined) return undefined;
  return !['0', 'false', 'no', 'off', 'f', 'n'].includes(v.toLowerCase());
}
