import type { FastifyInstance } from 'fastify';
import type { MetadefDeps } from '../deps.js';
import { resourceTypeAssociationSchema } from '../json-schemas.js';
import { associate, dissociate, listNamespaceAssociations, listResourceTypes, type AssociationInput } from '../resource-types.js';
import { BodySchema, rejectBody, rejectReadOnly, requestBody, TIMESTAMPS } from '../validation.js';
import { caller, NS, type NsParams } from './kit.js';
import { associationView, resourceTypeView } from './views.js';

const schema = new BodySchema(resourceTypeAssociationSchema());

export function registerResourceTypeRoutes(app: FastifyInstance, deps: MetadefDeps): void {
  app.get('/v2/metadefs/resource_types', { ...deps.guard }, async (request) => {
    rejectBody(request.headers);
    const types = await listResourceTypes(caller(deps, request));
    return { resource_types: types.map(resourceTypeView) };
  });

  app.get<{ Params: NsParams }>(`${NS}/:namespace/resource_types`, { ...deps.guard }, async (request) => {
    rejectBody(request.headers);
    const associations = await listNamespaceAssociations(caller(deps, request), request.params.namespace);
    return { resource_type_associations: associations.map(associationView) };
  });

  app.post<{ Params: NsParams }>(`${NS}/:namespace/resource_types`, { ...deps.guard }, async (request, reply) => {
    const body = requestBody(request.body);
    rejectReadOnly(body, TIMESTAMPS);
    const input = schema.check(body) as unknown as AssociationInput;
    const association = await associate(caller(deps, request), request.params.namespace, input);
    return reply.status(201).send(associationView(association));
  });

  app.delete<{ Params: NsParams & { resource_type: string } }>(`${NS}/:namespace/resource_types/:resource_type`, { ...deps.guard }, async (request, reply) => {
    rejectBody(request.headers);
    await dissociate(caller(deps, request), request.params.namespace, request.params.resource_type);
    return reply.status(204).send();
  });
}
