import type { FastifyInstance } from 'fastify';
import type { MetadefDeps } from '../deps.js';
import { tagListSchema, tagSchema } from '../json-schemas.js';
import { param, parseLimit, parseSortDir, checkVisibility, truthy, type RawQuery } from '../query.js';
import { createTag, createTags, deleteTag, listTags, showTag, updateTag } from '../tags.js';
import { BodySchema, checkLength, rejectBody, rejectReadOnly, requestBody, TIMESTAMPS } from '../validation.js';
import { caller, NS, type NsParams } from './kit.js';
import { tagView } from './views.js';

const tagRules = new BodySchema(tagSchema());
const tagListRules = new BodySchema(tagListSchema());

type TagParams = NsParams & { tag_name: string };

export function registerTagRoutes(app: FastifyInstance, deps: MetadefDeps): void {
  app.get<{ Params: NsParams }>(`${NS}/:namespace/tags`, { ...deps.guard }, async (request) => {
    const q = request.query as RawQuery;
    const limit = param(q, 'limit');
    const marker = param(q, 'marker');
    const sortDir = parseSortDir(param(q, 'sort_dir'));
    checkVisibility(param(q, 'visibility'), ['public', 'private', 'shared']);
    const tags = await listTags(caller(deps, request), request.params.namespace, {
      sortKey: param(q, 'sort_key') ?? 'created_at',
      sortDir,
      // Glance ignores empty values of both.
      ...(limit ? { limit: parseLimit(limit) } : {}),
      ...(marker ? { marker } : {}),
    });
    return { tags: tags.map((t) => ({ name: t.name })) };
  });

  app.post<{ Params: NsParams }>(`${NS}/:namespace/tags`, { ...deps.guard }, async (request, reply) => {
    const body = requestBody(request.body);
    rejectReadOnly(body, TIMESTAMPS);
    const input = tagListRules.check(body) as { tags?: Array<{ name: string }> };
    const names = (input.tags ?? []).map((t) => t.name);
    for (const name of names) checkLength('tags', name);
    const created = await createTags(caller(deps, request), request.params.namespace, names, truthy(request.headers['x-openstack-append']));
    return reply.status(201).send({ tags: created.map((name) => ({ name })) });
  });

  // The tag is the name in the path; a body is refused.
  app.post<{ Params: TagParams }>(`${NS}/:namespace/tags/:tag_name`, { ...deps.guard }, async (request, reply) => {
    rejectBody(request.headers);
    const tag = await createTag(caller(deps, request), request.params.namespace, request.params.tag_name, (name) => void tagRules.check({ name }));
    return reply.status(201).send(tagView(tag));
  });

  app.get<{ Params: TagParams }>(`${NS}/:namespace/tags/:tag_name`, { ...deps.guard }, async (request) => {
    rejectBody(request.headers);
    return tagView(await showTag(caller(deps, request), request.params.namespace, request.params.tag_name));
  });

  app.put<{ Params: TagParams }>(`${NS}/:namespace/tags/:tag_name`, { ...deps.guard }, async (request) => {
    const body = requestBody(request.body);
    rejectReadOnly(body, TIMESTAMPS);
    const input = tagRules.check(body);
    return tagView(await updateTag(caller(deps, request), request.params.namespace, request.params.tag_name, input['name'] as string));
  });

  app.delete<{ Params: TagParams }>(`${NS}/:namespace/tags/:tag_name`, { ...deps.guard }, async (request, reply) => {
    rejectBody(request.headers);
    await deleteTag(caller(deps, request), request.params.namespace, request.params.tag_name);
    return reply.status(204).send();
  });
}
