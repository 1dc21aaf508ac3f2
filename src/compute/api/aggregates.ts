import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { addAggregateHost, createAggregate, deleteAggregate, getAggregate, listAggregates, removeAggregateHost, setAggregateMetadata, updateAggregate, type Aggregate } from '../domain/aggregates.js';
import { badRequest } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { novaTime } from './services.js';
import { checkBody } from './validate.js';

type IdParams = { Params: { id: string } };
const Name = Type.String({ minLength: 1, maxLength: 255 });
const Zone = Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()]);
const Create = Type.Object({ aggregate: Type.Object({ name: Name, availability_zone: Type.Optional(Zone) }, { additionalProperties: false }) }, { additionalProperties: false });
const Update = Type.Object({ aggregate: Type.Object({ name: Type.Optional(Name), availability_zone: Type.Optional(Zone) }, { additionalProperties: false, minProperties: 1 }) }, { additionalProperties: false });
const Host = Type.Object({ host: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false });
const Meta = Type.Object({ metadata: Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.Union([Type.String({ maxLength: 255 }), Type.Null()])) }, { additionalProperties: false });

function view(request: FastifyRequest, a: Aggregate, full = true): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: a.id, name: a.name, availability_zone: a.metadata.availability_zone ?? null, created_at: novaTime(a.created_at), updated_at: novaTime(a.updated_at),
    deleted: false, deleted_at: null,
  };
  if (full) Object.assign(out, { hosts: a.hosts, metadata: a.metadata });
  if (request.apiVersion.atLeast('2.41')) out.uuid = a.uuid;
  return out;
}

export function registerAggregateRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const admin = (request: FastifyRequest, action: string): void => svc.authorize(callerOf(request), `os_compute_api:os-aggregates:${action}`);
  app.get('/v2.1/os-aggregates', authed, async (request) => {
    admin(request, 'index');
    return { aggregates: (await listAggregates(svc)).map((a) => view(request, a)) };
  });
  app.post('/v2.1/os-aggregates', authed, async (request) => {
    admin(request, 'create');
    const { aggregate } = checkBody(Create, request.body);
    if (aggregate.name.trim() !== aggregate.name) throw badRequest('Aggregate name has leading or trailing whitespace.');
    return { aggregate: view(request, await createAggregate(svc, aggregate.name, aggregate.availability_zone ?? null), false) };
  });
  app.get<IdParams>('/v2.1/os-aggregates/:id', authed, async (request) => {
    admin(request, 'show');
    return { aggregate: view(request, await getAggregate(svc, request.params.id)) };
  });
  app.put<IdParams>('/v2.1/os-aggregates/:id', authed, async (request) => {
    admin(request, 'update');
    const { aggregate } = checkBody(Update, request.body);
    const a = await getAggregate(svc, request.params.id);
    return { aggregate: view(request, await updateAggregate(svc, a, { ...(aggregate.name !== undefined ? { name: aggregate.name } : {}), ...(aggregate.availability_zone !== undefined ? { zone: aggregate.availability_zone } : {}) })) };
  });
  app.delete<IdParams>('/v2.1/os-aggregates/:id', authed, async (request, reply) => {
    admin(request, 'delete');
    await deleteAggregate(svc, await getAggregate(svc, request.params.id));
    return reply.status(200).send();
  });
  app.post<IdParams>('/v2.1/os-aggregates/:id/action', authed, async (request) => {
    const body = request.body as Record<string, unknown> | undefined;
    const key = body && typeof body === 'object' ? Object.keys(body)[0] : undefined;
    const a = await getAggregate(svc, request.params.id);
    if (key === 'add_host') {
      admin(request, 'add_host');
      return { aggregate: view(request, await addAggregateHost(svc, a, checkBody(Type.Object({ add_host: Host }), body).add_host.host)) };
    }
    if (key === 'remove_host') {
      admin(request, 'remove_host');
      return { aggregate: view(request, await removeAggregateHost(svc, a, checkBody(Type.Object({ remove_host: Host }), body).remove_host.host)) };
    }
    if (key === 'set_metadata') {
      admin(request, 'set_metadata');
      return { aggregate: view(request, await setAggregateMetadata(svc, a, checkBody(Type.Object({ set_metadata: Meta }), body).set_metadata.metadata)) };
    }
    throw badRequest(`Invalid request body: unknown action ${String(key)}`);
  });
}
