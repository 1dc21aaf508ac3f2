import type { FastifyInstance } from 'fastify';
import { callerOf, type RequestContext } from '../../core/auth/index.js';
import { assertTag, checkTag, clearTags, deleteTag, putTag, replaceTags, tagsFor } from '../domain/tags.js';
import type { NetworkService } from '../service.js';
import type { Guard } from './kit.js';

/**
 * Finds a resource the caller may see and, when `forUpdate`, change; throws the
 * resource's own NotFound / PolicyNotAuthorized otherwise.
 */
export type TagTargetCheck = (ctx: RequestContext, id: string, forUpdate: boolean) => Promise<void>;

/** Neutron's tag sub-resource: /v2.0/<collection>/<id>/tags[/<tag>]. */
export function registerTagRoutes(app: FastifyInstance, svc: NetworkService, authed: Guard, collection: string, check: TagTargetCheck): void {
  type P = { id: string; tag: string };
  const base = `/v2.0/${collection}/:id/tags`;

  app.get<{ Params: P }>(base, authed, async (request) => {
    await check(callerOf(request), request.params.id, false);
    return { tags: await tagsFor(svc, request.params.id) };
  });
  app.put<{ Params: P }>(base, authed, async (request) => {
    const tags = (request.body as { tags?: unknown } | undefined)?.tags;
    if (Array.isArray(tags)) tags.forEach(checkTag);
    await check(callerOf(request), request.params.id, true);
    return { tags: await replaceTags(svc, request.params.id, tags) };
  });
  app.delete<{ Params: P }>(base, authed, async (request, reply) => {
    await check(callerOf(request), request.params.id, true);
    await clearTags(svc, request.params.id);
    return reply.status(204).send();
  });
  app.get<{ Params: P }>(`${base}/:tag`, authed, async (request, reply) => {
    await check(callerOf(request), request.params.id, false);
    await assertTag(svc, request.params.id, request.params.tag);
    return reply.status(204).send();
  });
  app.put<{ Params: P }>(`${base}/:tag`, authed, async (request, reply) => {
    checkTag(request.params.tag);
    await check(callerOf(request), request.params.id, true);
    await putTag(svc, request.params.id, request.params.tag);
    return reply.status(201).send();
  });
  app.delete<{ Params: P }>(`${base}/:tag`, authed, async (request, reply) => {
    await check(callerOf(request), request.params.id, true);
    await deleteTag(svc, request.params.id, request.params.tag);
    return reply.status(204).send();
  });
}
