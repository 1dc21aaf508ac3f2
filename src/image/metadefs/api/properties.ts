import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetadefDeps } from '../deps.js';
import { propertySchema } from '../json-schemas.js';
import type { PropertyType } from '../model.js';
import { createProperty, deleteProperty, listProperties, showProperty, updateProperty } from '../properties.js';
import { toPropertyType } from '../property-type.js';
import { param, type RawQuery } from '../query.js';
import { BodySchema, rejectBody, rejectReadOnly, requestBody, TIMESTAMPS } from '../validation.js';
import { caller, NS, type NsParams } from './kit.js';
import { propertyView } from './views.js';

const schema = new BodySchema(propertySchema());

type PropParams = NsParams & { property_name: string };

/** A property body: the definition itself, its name included. */
function propertyBody(request: FastifyRequest): { name: string; definition: PropertyType } {
  const body = requestBody(request.body);
  rejectReadOnly(body, TIMESTAMPS);
  const input = schema.check(body);
  return { name: input['name'] as string, definition: toPropertyType(input) };
}

export function registerPropertyRoutes(app: FastifyInstance, deps: MetadefDeps): void {
  app.get<{ Params: NsParams }>(`${NS}/:namespace/properties`, { ...deps.guard }, async (request) => {
    rejectBody(request.headers);
    const props = await listProperties(caller(deps, request), request.params.namespace);
    return { properties: Object.fromEntries(props.map((p) => [p.name, toPropertyType(p.schema)])) };
  });

  app.post<{ Params: NsParams }>(`${NS}/:namespace/properties`, { ...deps.guard }, async (request, reply) => {
    const { name, definition } = propertyBody(request);
    const prop = await createProperty(caller(deps, request), request.params.namespace, name, definition);
    return reply.status(201).send(propertyView(prop.name, prop.schema));
  });

  app.get<{ Params: PropParams }>(`${NS}/:namespace/properties/:property_name`, { ...deps.guard }, async (request) => {
    const resourceType = param(request.query as RawQuery, 'resource_type') || undefined;
    const prop = await showProperty(caller(deps, request), request.params.namespace, request.params.property_name, resourceType);
    return propertyView(prop.name, prop.schema);
  });

  app.put<{ Params: PropParams }>(`${NS}/:namespace/properties/:property_name`, { ...deps.guard }, async (request) => {
    const { name, definition } = propertyBody(request);
    const prop = await updateProperty(caller(deps, request), request.params.namespace, request.params.property_name, name, definition);
    return propertyView(prop.name, prop.schema);
  });

  app.delete<{ Params: PropParams }>(`${NS}/:namespace/properties/:property_name`, { ...deps.guard }, async (request, reply) => {
    await deleteProperty(caller(deps, request), request.params.namespace, request.params.property_name);
    return reply.status(204).send();
  });
}
