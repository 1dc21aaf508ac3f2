import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { IdentityService } from '../service.js';
import { forbidden, notFound } from '../errors.js';
import { parseJson, toBool } from '../store/db.js';
import { deleteDomainContents } from '../store/domains.js';
import { getDomainRow, insertProject, listProjectRows, setProjectTags, tagsOfProjects, type ProjectRow } from '../store/projects.js';
import { ROOT_DOMAIN } from '../store/schema.js';
import { applyInexactFilters } from './list-filters.js';
import { authorize, created, listBody, queryBool, queryParam, selfLink, type Guard } from './kit.js';
import { extraOf, Name64, OPTIONS_KEY, optionsOf, ResourceOptions, storeProject, TagList, updateProject } from './project-model.js';
import { mergeOptions } from '../attributes.js';

const domainProps = {
  name: Name64,
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  enabled: Type.Optional(Type.Boolean()),
  tags: Type.Optional(TagList),
  options: Type.Optional(ResourceOptions),
};
const DomainCreate = Type.Object({ domain: Type.Object(domainProps, { additionalProperties: true }) });
const DomainUpdate = Type.Object({
  domain: Type.Partial(Type.Object(domainProps, { additionalProperties: true }), { additionalProperties: true, minProperties: 1 }),
});

/** Attributes of the project row that a domain does not show or accept. */
const PROJECT_ONLY = ['id', 'name', 'description', 'enabled', 'tags', 'options', 'links', 'domain_id', 'parent_id', 'is_domain'];

/** Keystone's domain view: the project row acting as a domain, without project-only fields. */
export function domainView(svc: IdentityService, request: FastifyRequest, row: ProjectRow, tags: readonly string[]): Record<string, unknown> {
  // Keys starting with '__' are Stratus's own bookkeeping (options, domain config).
  const extra = Object.fromEntries(Object.entries(parseJson(row.extra)).filter(([k]) => !k.startsWith('__')));
  return {
    ...extra,
    id: row.id,
    name: row.name,
    description: row.description ?? '',
    enabled: toBool(row.enabled),
    tags: [...tags],
    options: optionsOf(row),
    links: selfLink(svc, request, `domains/${row.id}`),
  };
}

export async function domainViews(svc: IdentityService, request: FastifyRequest, rows: ProjectRow[]): Promise<Record<string, unknown>[]> {
  const tags = await tagsOfProjects(svc.db, rows.map((r) => r.id));
  return rows.map((r) => domainView(svc, request, r, tags.get(r.id) ?? []));
}

const domainTarget = (id: string): Record<string, unknown> => ({ target: { domain: { id } } });

/**
 * Deletes a disabled domain and everything in it (projects leaf first, users, groups,
 * domain-specific roles, and every assignment on or by them) in one transaction, then
 * revokes every token tied to the domain.
 */
export async function deleteDomain(svc: IdentityService, row: ProjectRow): Promise<void> {
  if (optionsOf(row)['immutable'] === true) throw forbidden(`Unable to delete immutable domain resource: \`${row.id}\`. Immutable option is set.`);
  if (toBool(row.enabled)) throw forbidden('Cannot delete a domain that is enabled, please disable it first.');
  await svc.db.transaction().execute((tx) => deleteDomainContents(tx, row.id));
  await svc.revocations.revoke({ domain_id: row.id });
}

export function registerDomainRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/domains', authed, async (request) => {
    authorize(svc, request, 'identity:list_domains');
    const rows = await listProjectRows(svc.db, { isDomain: true, name: queryParam(request, 'name'), enabled: queryBool(request, 'enabled') });
    const views = applyInexactFilters(request, ['name', 'description'], await domainViews(svc, request, rows));
    return listBody(svc, request, 'domains', views);
  });

  app.post('/v3/domains', { ...authed, schema: { body: DomainCreate } }, async (request, reply) => {
    const body = (request.body as Static<typeof DomainCreate>).domain;
    authorize(svc, request, 'identity:create_domain', { target: { domain: body } });
    const options = mergeOptions({}, body.options as Record<string, unknown> | undefined);
    const extra = extraOf(body as Record<string, unknown>, PROJECT_ONLY);
    const row: ProjectRow = {
      id: svc.ids.hex(), name: body.name.trim(), domain_id: ROOT_DOMAIN, parent_id: null, is_domain: 1,
      enabled: body.enabled === false ? 0 : 1, description: body.description ?? '',
      extra: JSON.stringify(Object.keys(options).length ? { ...extra, [OPTIONS_KEY]: options } : extra),
    };
    const tags = (body.tags ?? []).map((t) => t.trim());
    await storeProject(row, () => svc.db.transaction().execute(async (tx) => {
      await insertProject(tx, row);
      await setProjectTags(tx, row.id, tags);
    }));
    return created(reply, { domain: domainView(svc, request, row, tags) });
  });

  app.get<{ Params: { id: string } }>('/v3/domains/:id', authed, async (request) => {
    authorize(svc, request, 'identity:get_domain', domainTarget(request.params.id));
    const row = await getDomainRow(svc.db, request.params.id);
    if (!row) throw notFound('domain', request.params.id);
    const [view] = await domainViews(svc, request, [row]);
    return { domain: view };
  });

  app.patch<{ Params: { id: string } }>('/v3/domains/:id', { ...authed, schema: { body: DomainUpdate } }, async (request) => {
    authorize(svc, request, 'identity:update_domain', domainTarget(request.params.id));
    const row = await getDomainRow(svc.db, request.params.id);
    if (!row) throw notFound('domain', request.params.id);
    const { domain_id: _d, parent_id: _p, is_domain: _i, ...body } = (request.body as Static<typeof DomainUpdate>).domain as Record<string, unknown>;
    const next = await updateProject(svc, row, body);
    const [view] = await domainViews(svc, request, [next]);
    return { domain: view };
  });

  app.delete<{ Params: { id: string } }>('/v3/domains/:id', authed, async (request, reply) => {
    authorize(svc, request, 'identity:delete_domain', domainTarget(request.params.id));
    const row = await getDomainRow(svc.db, request.params.id);
    if (!row) throw notFound('domain', request.params.id);
    await deleteDomain(svc, row);
    return reply.status(204).send();
  });
}
