import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetadefDeps } from '../deps.js';
import { objectSchema, propertySchema } from '../json-schemas.js';
import { createObject, deleteObject, listObjects, showObject, updateObject, type ObjectInput } from '../objects.js';
import { checkVisibility, param, parseLimit, parseSortDir, type RawQuery } from '../query.js';
import { BodySchema, GENERATED, rejectBody, rejectReadOnly, requestBody } from '../validation.js';
import { caller, NS, type NsParams } from './kit.js';
import { objectView } from './views.js';

const schema = new BodySchema(objectSchema());
/** On create every property of the object must also pass the property schema (name not required). */
const propertyRules = new BodySchema(propertySchema(false));

type ObjParams = NsParams & { object_name: string };

function objectBody(request: FastifyRequest, strictProperties: boolean): ObjectInput {
  const body = requestBody(request.body);
  rejectReadOnly(body, GENERATED);
  const input = schema.check(body) as unknown as ObjectInput;
  if (strictProperties) for (const prop of Object.values(input.properties ?? {})) propertyRules.check(prop);
  return input;
}

export function registerObjectRoutes(app: FastifyInstance, deps: MetadefDeps): void {
  app.get<{ Params: NsParams }>(`${NS}/:namespace/objects`, { ...deps.guard }, async (request) => {
    // Glance checks the paging parameters of this list, then lists everything.
    const q = request.query as RawQuery;
    const limit = param(q, 'limit');
    parseSortDir(param(q, 'sort_dir'));
    if (limit !== undefined) parseLimit(limit, false);
    checkVisibility(param(q, 'visibility'), ['public', 'private', 'shared']);
    const ns = request.params.namespace;
    const objects = await listObjects(caller(deps, request), ns);
    // Glance's link here lacks the leading slash; clients may compare it, so it stays.
    return { objects: objects.map((o) => objectView(ns, o)), schema: 'v2/schemas/metadefs/objects' };
  });

  app.post<{ Params: NsParams }>(`${NS}/:namespace/objects`, { ...deps.guard }, async (request, reply) => {
    const input = objectBody(request, true);
    const obj = await createObject(caller(deps, request), request.params.namespace, input);
    return reply.status(201).send(objectView(request.params.namespace, obj, input as unknown as Record<string, unknown>));
  });

  app.get<{ Params: ObjParams }>(`${NS}/:namespace/objects/:object_name`, { ...deps.guard }, async (request) => {
    rejectBody(request.headers);
    const { namespace, object_name } = request.params;
    return objectView(namespace, await showObject(caller(deps, request), namespace, object_name));
  });

  app.put<{ Params: ObjParams }>(`${NS}/:namespace/objects/:object_name`, { ...deps.guard }, async (request) => {
    const { namespace, object_name } = request.params;
    const input = objectBody(request, false);
    const obj = await updateObject(caller(deps, request), namespace, object_name, input);
    return objectView(namespace, obj, input as unknown as Record<string, unknown>);
  });

  app.delete<{ Params: ObjParams }>(`${NS}/:namespace/objects/:object_name`, { ...deps.guard }, async (request, reply) => {
    rejectBody(request.headers);
    const { namespace, object_name } = request.params;
    await deleteObject(caller(deps, request), namespace, object_name);
    return reply.status(204).send();
  });
}
