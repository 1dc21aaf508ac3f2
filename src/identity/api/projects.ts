import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { callerOf } from '../../core/auth/index.js';
import type { IdentityService } from '../service.js';
import { forbidden, notFound, validation } from '../errors.js';
import { parseJson, toBool } from '../store/db.js';
import { childProjects, deleteProjectRow, getProjectRow, listProjectRows, projectSubtree, tagsOfProjects, type ProjectRow } from '../store/projects.js';
import { ROOT_DOMAIN } from '../store/schema.js';
import { getUserRow } from '../store/users.js';
import { deleteDomain } from './domains.js';
import { applyInexactFilters } from './list-filters.js';
import { authorize, created, listBody, queryBool, queryParam, selfLink, type Guard } from './kit.js';
import { chainAbove, createProject, optionsOf, ProjectCreate, ProjectUpdate, updateProject, type ProjectUpdateBody } from './project-model.js';
import { assignedScopes } from './scopes.js';

/** Keystone's project view: stored extras flat beside the known attributes. */
export function projectView(svc: IdentityService, request: FastifyRequest, row: ProjectRow, tags: readonly string[]): Record<string, unknown> {
  // Keys starting with '__' are Stratus's own bookkeeping (options, domain config).
  const extra = Object.fromEntries(Object.entries(parseJson(row.extra)).filter(([k]) => !k.startsWith('__')));
  return {
    ...extra,
    id: row.id,
    name: row.name,
    domain_id: row.domain_id === ROOT_DOMAIN ? null : row.domain_id,
    description: row.description ?? '',
    enabled: toBool(row.enabled),
    parent_id: row.parent_id,
    is_domain: toBool(row.is_domain),
    tags: [...tags],
    options: optionsOf(row),
    links: selfLink(svc, request, `projects/${row.id}`),
  };
}

export async function projectViews(svc: IdentityService, request: FastifyRequest, rows: ProjectRow[]): Promise<Record<string, unknown>[]> {
  const tags = await tagsOfProjects(svc.db, rows.map((r) => r.id));
  return rows.map((r) => projectView(svc, request, r, tags.get(r.id) ?? []));
}

/** The policy target for a project: {target: {project: {...}}}. */
export const projectTarget = (row: ProjectRow | undefined): Record<string, unknown> =>
  row ? { target: { project: { id: row.id, domain_id: row.domain_id, parent_id: row.parent_id, name: row.name } } } : {};

/** Parents as nested ids up to the domain: {parent: {grandparent: {domain: null}}}. */
function nestedParents(chain: ProjectRow[]): Record<string, unknown> | null {
  let out: Record<string, unknown> | null = null;
  for (let i = chain.length - 1; i >= 0; i--) out = { [(chain[i] as ProjectRow).id]: out };
  return out;
}

function nestedSubtree(rootId: string, subtree: ProjectRow[]): Record<string, unknown> | null {
  const byParent = new Map<string, ProjectRow[]>();
  for (const p of subtree) if (p.parent_id) byParent.set(p.parent_id, [...(byParent.get(p.parent_id) ?? []), p]);
  const walk = (id: string): Record<string, unknown> | null => {
    const children = byParent.get(id);
    if (!children?.length) return null;
    return Object.fromEntries(children.map((c) => [c.id, walk(c.id)]));
  };
  return walk(rootId);
}

export function registerProjectRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/projects', authed, async (request) => {
    const caller = callerOf(request);
    const ctx = authorize(svc, request, 'identity:list_projects', caller.domainId ? { target: { domain_id: caller.domainId } } : {});
    const isDomainParam = queryBool(request, 'is_domain');
    let rows = await listProjectRows(svc.db, {
      name: queryParam(request, 'name'),
      domainId: queryParam(request, 'domain_id'),
      enabled: queryBool(request, 'enabled'),
      parentId: queryParam(request, 'parent_id'),
      isDomain: isDomainParam ?? false,
    });
    if (ctx.domainId) rows = rows.filter((r) => r.domain_id === ctx.domainId);
    let views = await projectViews(svc, request, rows);
    views = filterByTags(request, views);
    return listBody(svc, request, 'projects', applyInexactFilters(request, ['name', 'description'], views));
  });

  app.post('/v3/projects', { ...authed, schema: { body: ProjectCreate } }, async (request, reply) => {
    const body = (request.body as Static<typeof ProjectCreate>).project;
    const ctx = authorize(svc, request, 'identity:create_project', { target: { project: body } });
    const row = await createProject(svc, body, ctx.domainId);
    return created(reply, { project: projectView(svc, request, row, (body.tags ?? []).map((t) => t.trim())) });
  });

  app.get<{ Params: { id: string } }>('/v3/projects/:id', authed, async (request) => {
    const row = await getProjectRow(svc.db, request.params.id);
    const ctx = authorize(svc, request, 'identity:get_project', projectTarget(row));
    if (!row) throw notFound('project', request.params.id);
    const [view] = await projectViews(svc, request, [row]);
    const out = view as Record<string, unknown>;
    const parentsList = queryBool(request, 'parents_as_list') === true;
    const parentsIds = queryBool(request, 'parents_as_ids') === true;
    const subtreeList = queryBool(request, 'subtree_as_list') === true;
    const subtreeIds = queryBool(request, 'subtree_as_ids') === true;
    if (parentsList && parentsIds) throw validation('Cannot use parents_as_list and parents_as_ids query params at the same time.');
    if (subtreeList && subtreeIds) throw validation('Cannot use subtree_as_list and subtree_as_ids query params at the same time.');
    if (parentsList || parentsIds) {
      const chain = await chainAbove(svc.db, row.parent_id);
      if (parentsIds) out['parents'] = nestedParents(chain);
      else {
        const mine = await visibleProjectIds(svc, ctx.userId);
        const rows = chain.filter((p) => mine.has(p.id));
        out['parents'] = (await projectViews(svc, request, rows)).map((p) => ({ project: p }));
      }
    }
    if (subtreeList || subtreeIds) {
      const subtree = await projectSubtree(svc.db, row.id);
      if (subtreeIds) out['subtree'] = nestedSubtree(row.id, subtree);
      else {
        const mine = await visibleProjectIds(svc, ctx.userId);
        out['subtree'] = (await projectViews(svc, request, subtree.filter((p) => mine.has(p.id)))).map((p) => ({ project: p }));
      }
    }
    return { project: out };
  });

  app.patch<{ Params: { id: string } }>('/v3/projects/:id', { ...authed, schema: { body: ProjectUpdate } }, async (request) => {
    const row = await getProjectRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:update_project', projectTarget(row));
    if (!row) throw notFound('project', request.params.id);
    const next = await updateProject(svc, row, (request.body as Static<typeof ProjectUpdate>).project as ProjectUpdateBody & Record<string, unknown>);
    const [view] = await projectViews(svc, request, [next]);
    return { project: view };
  });

  app.delete<{ Params: { id: string } }>('/v3/projects/:id', authed, async (request, reply) => {
    const row = await getProjectRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:delete_project', projectTarget(row));
    if (!row) throw notFound('project', request.params.id);
    if (row.is_domain === 1) {
      await deleteDomain(svc, row);
      return reply.status(204).send();
    }
    if (optionsOf(row)['immutable'] === true) throw forbidden(`Unable to delete immutable project resource: \`${row.id}\`. Immutable option is set.`);
    if ((await childProjects(svc.db, row.id)).length > 0) {
      throw forbidden(`Cannot delete the project ${row.id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.`);
    }
    await svc.db.transaction().execute((tx) => deleteProjectRow(tx, row.id));
    await svc.revocations.revoke({ project_id: row.id });
    return reply.status(204).send();
  });

  app.get<{ Params: { id: string } }>('/v3/users/:id/projects', authed, async (request) => {
    const user = await getUserRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:list_user_projects', user ? { target: { user: { id: user.id, domain_id: user.domain_id } } } : {});
    if (!user) throw notFound('user', request.params.id);
    let rows = (await assignedScopes(svc.db, user.id)).projects;
    const name = queryParam(request, 'name');
    const domainId = queryParam(request, 'domain_id');
    const enabled = queryBool(request, 'enabled');
    rows = rows.filter((r) => (name === undefined || r.name === name) && (domainId === undefined || r.domain_id === domainId)
      && (enabled === undefined || toBool(r.enabled) === enabled));
    return listBody(svc, request, 'projects', await projectViews(svc, request, rows));
  });
}

async function visibleProjectIds(svc: IdentityService, userId: string): Promise<Set<string>> {
  return new Set((await assignedScopes(svc.db, userId)).projects.map((p) => p.id));
}

/** tags / tags-any / not-tags / not-tags-any, each a comma-separated list. */
function filterByTags<T extends Record<string, unknown>>(request: FastifyRequest, items: T[]): T[] {
  const list = (name: string): string[] | undefined => queryParam(request, name)?.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const all = list('tags');
  const any = list('tags-any');
  const notAll = list('not-tags');
  const notAny = list('not-tags-any');
  if (!all && !any && !notAll && !notAny) return items;
  return items.filter((item) => {
    const tags = new Set(item['tags'] as string[]);
    if (all && !all.every((t) => tags.has(t))) return false;
    if (any && !any.some((t) => tags.has(t))) return false;
    if (notAll && notAll.every((t) => tags.has(t))) return false;
    if (notAny && notAny.some((t) => tags.has(t))) return false;
    return true;
  });
}
