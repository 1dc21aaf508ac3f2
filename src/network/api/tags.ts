import type { FastifyInstance } from 'fastify';
import { callerOf, type RequestContext } from '../../core/auth/index.js';
import { addTag, removeTag, setTags, tagsOf } from '../db/tags.js';
import { invalidInput, notFound } from '../errors.js';
import type { NetworkService } from '../service.js';
import type { Guard } from './kit.js';

/**
 * Finds a resource the caller may see and, when `forUpdate`, change; throws the
 * resource's own NotFound / PolicyNotAuthorized otherwise.
 */
export type TagTargetCheck = (ctx: RequestContext, id: string, forUpdate: boolean) => Promise<void>;

const checkTag = (tag: unknown): string => {
  if (typeof tag !== 'string' || tag === '' || tag.length > 255 || tag.includes(',') || tag.includes('/')) throw invalidInput(`'${String(tag)}' is not a valid tag`);
  return tag;
};

/** Neutron's tag sub-resource: /v2.0/<collection>/<id>/tags[/<tag>]. */
export function registerTagRoutes(app: FastifyInstance, svc: NetworkService, authed: Guard, collection: string, check: TagTargetCheck): void {
  type P = { id: string; tag: string };
  const base = `/v2.0/${collection}/:id/tags`;
  const current = async (id: string): Promise<string[]> => (await tagsOf(svc.db, [id])).get(id) ?? [];

  app.get<{ Params: P }>(base, authed, async (request) => {
    await check(callerOf(request), request.params.id, false);
    return { tags: await current(request.params.id) };
  });
  app.put<{ Params: P }>(base, authed, async (request) => {
    const tags = (request.body as { tags?: unknown } | undefined)?.tags;
    if (!Array.isArray(tags)) throw invalidInput('Invalid tags body');
    const checked = tags.map(checkTag);
    await check(callerOf(request), request.params.id, true);
    await setTags(svc.db, request.params.id, checked);
    return { tags: [...new Set(checked)].sort() };
  });
  app.delete<{ Params: P }>(base, authed, async (request, reply) => {
    await check(callerOf(request), request.params.id, true);
    await setTags(svc.db, request.params.id, []);
    return reply.status(204).send();
  });
  app.get<{ Params: P }>(`${base}/:tag`, authed, async (request, reply) => {
    await check(callerOf(request), request.params.id, false);
    if (!(await current(request.params.id)).includes(request.params.tag)) throw notFound('TagNotFound', `Tag ${request.params.tag} could not be found.`);
    return reply.status(204).send();
  });
  app.put<{ Params: P }>(`${base}/:tag`, authed, async (request, reply) => {
    const tag = checkTag(request.params.tag);
    await check(callerOf(request), request.params.id, true);
    await addTag(svc.db, request.params.id, tag);
    return reply.status(201).send();
  });
  app.delete<{ Params: P }>(`${base}/:tag`, authed, async (request, reply) => {
    await check(callerOf(request), request.params.id, true);
    if (!(await removeTag(svc.db, request.params.id, request.params.tag))) throw notFound('TagNotFound', `Tag ${request.params.tag} could not be found.`);
    return reply.status(204).send();
  });
}
