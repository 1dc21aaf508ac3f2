import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetadefDeps } from '../deps.js';
import { namespaceSchema } from '../json-schemas.js';
import { listNamespaces, showNamespace } from '../namespace-reads.js';
import { createNamespace, deleteContent, deleteNamespace, updateNamespace, type NamespaceInput } from '../namespaces.js';
import { checkVisibility, param, parseLimit, parseSortDir, type RawQuery } from '../query.js';
import { BodySchema, checkLength, GENERATED, rejectBody, rejectReadOnly, requestBody } from '../validation.js';
import { caller, NS, type NsParams } from './kit.js';
import { associationView, namespaceHref, namespaceView, objectView } from './views.js';

const schema = new BodySchema(namespaceSchema());

/** Glance's [DEFAULT] limit_param_default and api_limit_max. */
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;

/** The namespace body: present, no server-owned attributes, matching the schema. */
function namespaceBody(request: FastifyRequest): NamespaceInput {
  const body = requestBody(request.body);
  rejectReadOnly(body, GENERATED);
  const input = schema.check(body) as unknown as NamespaceInput;
  // Parts the namespace schema does not bound but that land in 80-character columns.
  for (const a of input.resource_type_associations ?? []) for (const v of [a.name, a.prefix, a.properties_target]) checkLength('namespace', v);
  for (const o of input.objects ?? []) checkLength('namespace', o.name);
  for (const t of input.tags ?? []) checkLength('namespace', t.name);
  for (const name of Object.keys(input.properties ?? {})) checkLength('namespace', name);
  return input;
}

/** `first` and `next` links: the request's own query, without (first) or with (next) the marker. */
function pageLinks(request: FastifyRequest, next: string | undefined): { next?: string; first: string } {
  const params = new URLSearchParams(request.url.split('?')[1] ?? '');
  params.delete('marker');
  const query = params.toString();
  const links: { next?: string; first: string } = { first: query ? `${NS}?${query}` : NS };
  if (next !== undefined) {
    params.set('marker', next);
    return { next: `${NS}?${params.toString()}`, ...links };
  }
  return links;
}

export function registerNamespaceRoutes(app: FastifyInstance, deps: MetadefDeps): void {
  app.get(NS, { ...deps.guard }, async (request) => {
    const q = request.query as RawQuery;
    const rawLimit = param(q, 'limit');
    const visibility = param(q, 'visibility');
    checkVisibility(visibility, ['public', 'private']);
    const resourceTypes = param(q, 'resource_types');
    const marker = param(q, 'marker');
    const { namespaces, next } = await listNamespaces(caller(deps, request), {
      limit: rawLimit === undefined ? DEFAULT_LIMIT : Math.min(MAX_LIMIT, parseLimit(rawLimit)),
      sortKey: param(q, 'sort_key') ?? 'created_at',
      sortDir: parseSortDir(param(q, 'sort_dir')),
      ...(marker ? { marker } : {}),
      ...(visibility !== undefined ? { visibility } : {}),
      ...(resourceTypes !== undefined ? { resourceTypes: resourceTypes.split(',') } : {}),
    });
    const views = namespaces.map(({ ns, associations }) =>
      namespaceView(ns, associations.length ? { resource_type_associations: associations.map(associationView) } : {}));
    const { next: nextLink, first } = pageLinks(request, next);
    return { namespaces: views, ...(nextLink ? { next: nextLink } : {}), schema: '/v2/schemas/metadefs/namespaces', first };
  });

  app.post(NS, { ...deps.guard }, async (request, reply) => {
    const { ns, given } = await createNamespace(caller(deps, request), namespaceBody(request));
    // A header carries Latin-1 only: names beyond it are percent-encoded (UTF-8).
    reply.header('location', encodeURI(namespaceHref(ns.namespace)));
    return reply.status(201).send(namespaceView(ns, given));
  });

  app.get<{ Params: NsParams }>(`${NS}/:namespace`, { ...deps.guard }, async (request) => {
    rejectBody(request.headers);
    const q = request.query as RawQuery;
    checkVisibility(param(q, 'visibility'), ['public', 'private']);
    const name = request.params.namespace;
    const d = await showNamespace(caller(deps, request), name, param(q, 'resource_type') || undefined);
    return namespaceView(d.ns, {
      ...(d.associations.length ? { resource_type_associations: d.associations.map(associationView) } : {}),
      ...(Object.keys(d.properties).length ? { properties: d.properties } : {}),
      ...(d.objects.length ? { objects: d.objects.map((o) => objectView(d.ns.namespace, o)) } : {}),
      // Inside a namespace a tag is just its name.
      ...(d.tags.length ? { tags: d.tags.map((t) => ({ name: t.name })) } : {}),
    });
  });

  app.put<{ Params: NsParams }>(`${NS}/:namespace`, { ...deps.guard }, async (request) => {
    return namespaceView(await updateNamespace(caller(deps, request), request.params.namespace, namespaceBody(request)));
  });

  app.delete<{ Params: NsParams }>(`${NS}/:namespace`, { ...deps.guard }, async (request, reply) => {
    rejectBody(request.headers);
    await deleteNamespace(caller(deps, request), request.params.namespace);
    return reply.status(204).send();
  });

  for (const content of ['objects', 'properties', 'tags'] as const) {
    app.delete<{ Params: NsParams }>(`${NS}/:namespace/${content}`, { ...deps.guard }, async (request, reply) => {
      await deleteContent(caller(deps, request), request.params.namespace, content);
      return reply.status(204).send();
    });
  }
}
