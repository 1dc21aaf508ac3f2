import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { ApiVersion } from '../../core/http/microversion.js';
import { consumerAllocations, deleteAllocations, providerAllocations, writeAllocations, type ConsumerAllocations } from '../domain/allocations.js';
import { requireProvider } from '../domain/providers.js';
import { projectUsages, projectUsagesByType } from '../domain/usages.js';
import { badRequest } from '../errors.js';
import type { PlacementService } from '../service.js';
import type { Guard } from './index.js';
import { onlyParams, single, type Query } from './query.js';
import { canonicalUuid, checkBody, isUuid } from './validate.js';
import { amounts } from './views.js';

/** The project and user recorded for consumers written before 1.8 named theirs (Placement's incomplete_consumer_*_id). */
const INCOMPLETE_CONSUMER = '00000000-0000-0000-0000-000000000000';

const Uuid = Type.String({ format: 'uuid' });
const Resources = Type.Record(Type.String({ pattern: '^[A-Z0-9_]+$' }), Type.Integer({ minimum: 1, maximum: 2147483647 }), { minProperties: 1 });
const ListAllocations = Type.Array(Type.Object({ resource_provider: Type.Object({ uuid: Uuid }), resources: Resources }), { minItems: 1 });
const DictAllocations = (minProperties: number) =>
  Type.Record(Type.String({ format: 'uuid' }), Type.Object({ resources: Resources, generation: Type.Optional(Type.Integer()) }), { minProperties });
const ConsumerType = Type.String({ pattern: '^[A-Z0-9_]+$', minLength: 1, maxLength: 255 });

const schemas = new Map<string, TSchema>();

/** The body of PUT /allocations/{c} (and each entry of POST /allocations and the reshaper) at a microversion, built once per version. */
export function consumerSchema(v: ApiVersion, inPost: boolean): TSchema {
  const key = `${v.toString()} ${inPost}`;
  let schema = schemas.get(key);
  if (!schema) schemas.set(key, (schema = buildConsumerSchema(v, inPost)));
  return schema;
}

/** The same for POST /allocations: consumer uuid -> consumer body. */
function postSchema(v: ApiVersion): TSchema {
  const key = `${v.toString()} post`;
  let schema = schemas.get(key);
  if (!schema) schemas.set(key, (schema = Type.Record(Type.String({ format: 'uuid' }), consumerSchema(v, true), { minProperties: 1 })));
  return schema;
}

function buildConsumerSchema(v: ApiVersion, inPost: boolean): TSchema {
  const project = { project_id: Type.String({ minLength: 1, maxLength: 255 }), user_id: Type.String({ minLength: 1, maxLength: 255 }) };
  if (!v.atLeast('1.12')) {
    const ids = v.atLeast('1.8') ? project : { project_id: Type.Optional(project.project_id), user_id: Type.Optional(project.user_id) };
    return Type.Object({ allocations: ListAllocations, ...ids }, { additionalProperties: false });
  }
  const fields: Record<string, TSchema> = { allocations: DictAllocations(v.atLeast('1.28') || inPost ? 0 : 1), ...project };
  if (v.atLeast('1.28')) fields.consumer_generation = Type.Union([Type.Integer(), Type.Null()]);
  if (v.atLeast('1.34')) fields.mappings = Type.Optional(Type.Record(Type.String(), Type.Array(Uuid)));
  if (v.atLeast('1.38')) fields.consumer_type = ConsumerType;
  return Type.Object(fields, { additionalProperties: false });
}

export interface ConsumerBody {
  allocations: Array<{ resource_provider: { uuid: string }; resources: Record<string, number> }> | Record<string, { resources: Record<string, number> }>;
  project_id?: string;
  user_id?: string;
  consumer_generation?: number | null;
  consumer_type?: string;
}

export function toRequest(consumer: string, body: ConsumerBody, v: ApiVersion): ConsumerAllocations {
  const allocations = new Map<string, Map<string, number>>();
  const add = (provider: string, resources: Record<string, number>): void => {
    const p = canonicalUuid(provider);
    const m = allocations.get(p) ?? new Map<string, number>();
    for (const [rc, n] of Object.entries(resources)) m.set(rc, (m.get(rc) ?? 0) + n);
    allocations.set(p, m);
  };
  if (Array.isArray(body.allocations)) for (const a of body.allocations) add(a.resource_provider.uuid, a.resources);
  else for (const [provider, a] of Object.entries(body.allocations)) add(provider, a.resources);
  return {
    consumer, allocations,
    projectId: body.project_id ?? INCOMPLETE_CONSUMER, userId: body.user_id ?? INCOMPLETE_CONSUMER,
    ...(v.atLeast('1.28') ? { consumerGeneration: body.consumer_generation ?? null } : {}),
    ...(v.atLeast('1.38') ? { consumerType: body.consumer_type ?? null } : {}),
  };
}

function consumerParam(request: FastifyRequest<{ Params: { consumer: string } }>): string {
  const c = request.params.consumer;
  if (!isUuid(c)) throw badRequest(`Malformed consumer_uuid: ${c}`);
  return canonicalUuid(c);
}

type ConsumerParams = { Params: { consumer: string } };

export function registerAllocationRoutes(app: FastifyInstance, svc: PlacementService, authed: Guard): void {
  app.get<ConsumerParams>('/allocations/:consumer', authed, async (request) => {
    svc.authorize(callerOf(request), 'placement:allocations:list');
    const v = request.apiVersion;
    const view = await consumerAllocations(svc, request.params.consumer);
    const body: Record<string, unknown> = {
      allocations: Object.fromEntries([...view.allocations].map(([p, a]) => [p, { generation: a.generation, resources: amounts(a.resources) }])),
    };
    if (v.atLeast('1.12') && view.projectId !== undefined && view.allocations.size > 0) {
      body.project_id = view.projectId;
      body.user_id = view.userId;
      if (v.atLeast('1.28')) body.consumer_generation = view.generation;
      if (v.atLeast('1.38')) body.consumer_type = view.consumerType ?? 'unknown';
    }
    return body;
  });

  app.put<ConsumerParams>('/allocations/:consumer', authed, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:allocations:update');
    const v = request.apiVersion;
    const consumer = consumerParam(request);
    const body = checkBody(consumerSchema(v, false), request.body) as ConsumerBody;
    await writeAllocations(svc, [toRequest(consumer, body, v)]);
    return reply.status(204).send();
  });

  app.post('/allocations', { ...authed, config: { versions: { min: '1.13' } } }, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:allocations:manage');
    const v = request.apiVersion;
    const body = checkBody(postSchema(v), request.body) as Record<string, ConsumerBody>;
    await writeAllocations(svc, Object.entries(body).map(([consumer, b]) => toRequest(canonicalUuid(consumer), b, v)));
    return reply.status(204).send();
  });

  app.delete<ConsumerParams>('/allocations/:consumer', authed, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:allocations:delete');
    await deleteAllocations(svc, request.params.consumer);
    return reply.status(204).send();
  });

  app.get<{ Params: { uuid: string } }>('/resource_providers/:uuid/allocations', authed, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:allocations:list');
    const provider = await requireProvider(svc.db, request.params.uuid);
    const held = await providerAllocations(svc, provider.uuid);
    return {
      allocations: Object.fromEntries([...held].map(([c, a]) => [c, { resources: amounts(a) }])),
      resource_provider_generation: provider.generation,
    };
  });

  app.get('/usages', { ...authed, config: { versions: { min: '1.9' } } }, async (request) => {
    svc.authorize(callerOf(request), 'placement:usages');
    const v = request.apiVersion;
    const q = request.query as Query;
    onlyParams(q, v.atLeast('1.38') ? ['project_id', 'user_id', 'consumer_type'] : ['project_id', 'user_id']);
    const projectId = single(q, 'project_id');
    if (projectId === undefined) throw badRequest("Invalid query string parameters: 'project_id' is a required property");
    const userId = single(q, 'user_id');
    const query = { projectId, ...(userId !== undefined ? { userId } : {}) };
    if (!v.atLeast('1.38')) return { usages: await projectUsages(svc, query) };
    const byType = await projectUsagesByType(svc, query);
    const wanted = single(q, 'consumer_type');
    const usages: Record<string, Record<string, number>> = {};
    const show = (key: string, consumers: number, m: Map<string, number>): void => {
      usages[key] = { ...amounts(m), consumer_count: consumers };
    };
    if (wanted === 'all') {
      const total = new Map<string, number>();
      let consumers = 0;
      for (const u of byType.values()) {
        consumers += u.consumers;
        for (const [rc, n] of u.amounts) total.set(rc, (total.get(rc) ?? 0) + n);
      }
      if (consumers > 0) show('all', consumers, total);
    } else {
      for (const [type, u] of byType) if (wanted === undefined || wanted === type) show(type, u.consumers, u.amounts);
    }
    return { usages };
  });
}
