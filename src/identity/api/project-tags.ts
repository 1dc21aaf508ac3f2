import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { IdentityService } from '../service.js';
import { forbidden, notFound, validation } from '../errors.js';
import { getProjectRow, projectTags, setProjectTags, type ProjectRow } from '../store/projects.js';
import { authorize, baseUrl, created, type Guard } from './kit.js';
import { optionsOf, TagList } from './project-model.js';
import { projectTarget } from './projects.js';

const TagsBody = Type.Object({ tags: TagList });

const MAX_TAGS = 80;
const TAG_PATTERN = /^[^,/]*$/;

/** The project, checked against the named rule; 404 when it does not exist. */
async function loadProject(svc: IdentityService, request: FastifyRequest<{ Params: { id: string } }>, action: string): Promise<ProjectRow> {
  const row = await getProjectRow(svc.db, request.params.id);
  authorize(svc, request, action, projectTarget(row));
  if (!row) throw notFound('project', request.params.id);
  return row;
}

function assertMutable(row: ProjectRow, verb: string): void {
  if (optionsOf(row)['immutable'] === true) {
    throw forbidden(`Cannot ${verb} project tags for ${row.id}, project is immutable. Set "immutable" option to false before creating project tags.`);
  }
}

/** /v3/projects/{id}/tags: list, replace, clear; /tags/{tag}: check, add, remove. */
export function registerProjectTagRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  const selfOf = (request: FastifyRequest): string => `${baseUrl(svc, request)}${request.url.split('?')[0] ?? ''}`;

  app.get<{ Params: { id: string } }>('/v3/projects/:id/tags', authed, async (request) => {
    const row = await loadProject(svc, request, 'identity:list_project_tags');
    return { tags: await projectTags(svc.db, row.id), links: { self: selfOf(request) } };
  });

  app.put<{ Params: { id: string } }>('/v3/projects/:id/tags', { ...authed, schema: { body: TagsBody } }, async (request) => {
    const row = await loadProject(svc, request, 'identity:update_project_tags');
    assertMutable(row, 'update');
    const tags = (request.body as Static<typeof TagsBody>).tags.map((t) => t.trim());
    await svc.db.transaction().execute((tx) => setProjectTags(tx, row.id, tags));
    return { tags, links: { self: selfOf(request) } };
  });

  app.delete<{ Params: { id: string } }>('/v3/projects/:id/tags', authed, async (request, reply) => {
    const row = await loadProject(svc, request, 'identity:delete_project_tags');
    assertMutable(row, 'update');
    await svc.db.transaction().execute((tx) => setProjectTags(tx, row.id, []));
    return reply.status(204).send();
  });

  app.get<{ Params: { id: string; tag: string } }>('/v3/projects/:id/tags/:tag', authed, async (request, reply) => {
    const row = await loadProject(svc, request, 'identity:get_project_tag');
    if (!(await projectTags(svc.db, row.id)).includes(request.params.tag)) throw notFound('project tag', request.params.tag);
    return reply.status(204).send();
  });

  app.put<{ Params: { id: string; tag: string } }>('/v3/projects/:id/tags/:tag', authed, async (request, reply) => {
    const row = await loadProject(svc, request, 'identity:create_project_tag');
    assertMutable(row, 'create');
    const tag = request.params.tag;
    if (tag.length < 1 || tag.length > 255 || !TAG_PATTERN.test(tag)) {
      throw validation(`Invalid input for field 'tag': '${tag}' must be 1 to 255 characters without ',' or '/'.`);
    }
    await svc.db.transaction().execute(async (tx) => {
      const tags = await projectTags(tx, row.id);
      if (tags.includes(tag.trim())) throw validation(`Invalid input for field 'tags': ${JSON.stringify([...tags, tag])} has non-unique elements.`);
      if (tags.length >= MAX_TAGS) throw validation(`Invalid input for field 'tags': is too long (at most ${MAX_TAGS} tags).`);
      await setProjectTags(tx, row.id, [...tags, tag.trim()]);
    });
    reply.header('location', `${baseUrl(svc, request)}/v3/projects/${row.id}/tags/${encodeURIComponent(tag)}`);
    return created(reply, undefined);
  });

  app.delete<{ Params: { id: string; tag: string } }>('/v3/projects/:id/tags/:tag', authed, async (request, reply) => {
    const row = await loadProject(svc, request, 'identity:delete_project_tag');
    assertMutable(row, 'delete');
    await svc.db.transaction().execute(async (tx) => {
      const tags = await projectTags(tx, row.id);
      if (!tags.includes(request.params.tag)) throw notFound('project tag', request.params.tag);
      await setProjectTags(tx, row.id, tags.filter((t) => t !== request.params.tag));
    });
    return reply.status(204).send();
  });
}
