import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { providerAggregates, setProviderAggregates } from '../domain/aggregates.js';
import { createProvider, deleteProvider, requireProvider, updateProvider } from '../domain/providers.js';
import { listProviders, type ProviderFilter } from '../domain/provider-list.js';
import { unknownClasses } from '../domain/resource-classes.js';
import { clearProviderTraits, providerTraits, requireTraits, setProviderTraits } from '../domain/traits.js';
import { badRequest } from '../errors.js';
import type { PlacementService } from '../service.js';
import type { Guard } from './index.js';
import { onlyParams, parseMemberOf, parseResources, parseTraits, single, traitNames, values, type Query } from './query.js';
import { canonicalUuid, checkBody, isUuid } from './validate.js';
import { providerPath, providerView } from './views.js';

type UuidParams = { Params: { uuid: string } };

const Uuid = Type.String({ format: 'uuid' });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const CreateV1_0 = Type.Object({ name: Name, uuid: Type.Optional(Uuid) }, { additionalProperties: false });
const CreateV1_14 = Type.Object({ name: Name, uuid: Type.Optional(Uuid), parent_provider_uuid: Type.Optional(Type.Union([Uuid, Type.Null()])) }, { additionalProperties: false });
const UpdateV1_0 = Type.Object({ name: Name }, { additionalProperties: false });
const UpdateV1_14 = Type.Object({ name: Name, parent_provider_uuid: Type.Optional(Type.Union([Uuid, Type.Null()])) }, { additionalProperties: false });
const AggregatesV1_1 = Type.Array(Uuid, { uniqueItems: true });
const AggregatesV1_19 = Type.Object({ aggregates: AggregatesV1_1, resource_provider_generation: Type.Integer() }, { additionalProperties: false });
const TraitsBody = Type.Object({
  traits: Type.Array(Type.String({ pattern: '^[A-Z0-9_]+$', maxLength: 255 }), { uniqueItems: true }),
  resource_provider_generation: Type.Integer(),
}, { additionalProperties: false });

function listFilter(request: FastifyRequest): ProviderFilter {
  const v = request.apiVersion;
  const q = request.query as Query;
  const allowed = ['name', 'uuid'];
  if (v.atLeast('1.3')) allowed.push('member_of');
  if (v.atLeast('1.4')) allowed.push('resources');
  if (v.atLeast('1.14')) allowed.push('in_tree');
  if (v.atLeast('1.18')) allowed.push('required');
  onlyParams(q, allowed);
  const filter: ProviderFilter = {};
  const uuid = single(q, 'uuid');
  if (uuid !== undefined) {
    if (!isUuid(uuid)) throw badRequest(`Invalid query string parameters: '${uuid}' is not a 'uuid'`);
    filter.uuid = canonicalUuid(uuid);
  }
  const name = single(q, 'name');
  if (name !== undefined) filter.name = name;
  const inTree = single(q, 'in_tree');
  if (inTree !== undefined) {
    if (!isUuid(inTree)) throw badRequest(`Invalid query string parameters: '${inTree}' is not a 'uuid'`);
    filter.inTree = canonicalUuid(inTree);
  }
  if (values(q, 'member_of').length > 0) filter.memberOf = parseMemberOf(values(q, 'member_of'), v);
  if (values(q, 'required').length > 0) filter.traits = parseTraits(values(q, 'required'), v);
  const resources = single(q, 'resources');
  if (resources !== undefined) filter.resources = parseResources(resources);
  return filter;
}

export function registerProviderRoutes(app: FastifyInstance, svc: PlacementService, authed: Guard): void {
  app.get('/resource_providers', authed, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:list');
    const filter = listFilter(request);
    if (filter.resources) {
      const unknown = await unknownClasses(svc, filter.resources.keys());
      if (unknown.length > 0) throw badRequest(`Invalid resource class in resources parameter: No such resource class ${unknown[0]}.`);
    }
    if (filter.traits) await requireTraits(svc, traitNames(filter.traits), (e) => `Invalid trait(s) in "required" parameter: ${e}`);
    const rows = await listProviders(svc, filter);
    return { resource_providers: rows.map((r) => providerView(r, request.apiVersion)) };
  });

  app.post('/resource_providers', authed, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:create');
    const v = request.apiVersion;
    const body = v.atLeast('1.14') ? checkBody(CreateV1_14, request.body) : checkBody(CreateV1_0, request.body);
    const parent = (body as { parent_provider_uuid?: string | null }).parent_provider_uuid;
    const row = await createProvider(svc, {
      name: body.name, ...(body.uuid ? { uuid: canonicalUuid(body.uuid) } : {}), ...(parent ? { parent_provider_uuid: canonicalUuid(parent) } : {}),
    });
    reply.header('location', providerPath(row.uuid));
    if (v.atLeast('1.20')) {
      reply.header('last-modified', new Date(row.updated_at).toUTCString()).header('cache-control', 'no-cache');
      return reply.status(200).send(providerView(row, v));
    }
    return reply.status(201).send();
  });

  app.get<UuidParams>('/resource_providers/:uuid', authed, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:show');
    const row = await requireProvider(svc.db, request.params.uuid);
    reply.header('last-modified', new Date(row.updated_at).toUTCString());
    return providerView(row, request.apiVersion);
  });

  app.put<UuidParams>('/resource_providers/:uuid', authed, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:update');
    const v = request.apiVersion;
    await requireProvider(svc.db, request.params.uuid);
    const body = v.atLeast('1.14') ? checkBody(UpdateV1_14, request.body) : checkBody(UpdateV1_0, request.body);
    const parent = (body as { parent_provider_uuid?: string | null }).parent_provider_uuid;
    const row = await updateProvider(svc, request.params.uuid, {
      name: body.name, ...(parent !== undefined ? { parent_provider_uuid: parent === null ? null : canonicalUuid(parent) } : {}),
    }, v.atLeast('1.37'));
    return providerView(row, v);
  });

  app.delete<UuidParams>('/resource_providers/:uuid', authed, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:delete');
    await deleteProvider(svc, request.params.uuid);
    return reply.status(204).send();
  });

  const aggregatesSince = { versions: { min: '1.1' } };
  app.get<UuidParams>('/resource_providers/:uuid/aggregates', { ...authed, config: aggregatesSince }, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:aggregates:list');
    const { aggregates, generation } = await providerAggregates(svc, request.params.uuid);
    return request.apiVersion.atLeast('1.19') ? { aggregates, resource_provider_generation: generation } : { aggregates };
  });

  app.put<UuidParams>('/resource_providers/:uuid/aggregates', { ...authed, config: aggregatesSince }, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:aggregates:update');
    const v = request.apiVersion;
    let aggregates: string[];
    let generation: number | undefined;
    if (v.atLeast('1.19')) {
      const body = checkBody(AggregatesV1_19, request.body);
      aggregates = body.aggregates;
      generation = body.resource_provider_generation;
    } else {
      aggregates = checkBody(AggregatesV1_1, request.body);
    }
    const next = await setProviderAggregates(svc, request.params.uuid, aggregates.map(canonicalUuid), generation);
    const sorted = [...new Set(aggregates.map(canonicalUuid))].sort();
    return v.atLeast('1.19') ? { aggregates: sorted, resource_provider_generation: next } : { aggregates: sorted };
  });

  const traitsSince = { versions: { min: '1.6' } };
  app.get<UuidParams>('/resource_providers/:uuid/traits', { ...authed, config: traitsSince }, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:traits:list');
    const { traits, generation } = await providerTraits(svc, request.params.uuid);
    return { traits, resource_provider_generation: generation };
  });

  app.put<UuidParams>('/resource_providers/:uuid/traits', { ...authed, config: traitsSince }, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:traits:update');
    const body = checkBody(TraitsBody, request.body);
    const generation = await setProviderTraits(svc, request.params.uuid, body.traits, body.resource_provider_generation);
    return { traits: [...body.traits].sort(), resource_provider_generation: generation };
  });

  app.delete<UuidParams>('/resource_providers/:uuid/traits', { ...authed, config: traitsSince }, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:traits:delete');
    await clearProviderTraits(svc, request.params.uuid);
    return reply.status(204).send();
  });
}
