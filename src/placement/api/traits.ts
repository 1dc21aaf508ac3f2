import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { createTrait, deleteTrait, listTraits, traitExists, type TraitFilter } from '../domain/traits.js';
import { badRequest, notFound } from '../errors.js';
import type { PlacementService } from '../service.js';
import type { Guard } from './index.js';
import { onlyParams, single, type Query } from './query.js';

type NameParams = { Params: { name: string } };

function traitFilter(q: Query): TraitFilter {
  onlyParams(q, ['name', 'associated']);
  const filter: TraitFilter = {};
  const name = single(q, 'name');
  if (name !== undefined) {
    if (name.startsWith('in:')) filter.names = name.slice(3).split(',').map((n) => n.trim());
    else if (name.startsWith('startswith:')) filter.prefix = name.slice('startswith:'.length);
    else throw badRequest(`Badly formed name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: "${name}"`);
  }
  const associated = single(q, 'associated');
  if (associated !== undefined) {
    if (associated !== 'true' && associated !== 'false') throw badRequest(`Invalid query string parameters: '${associated}' is not one of ['true', 'false']`);
    filter.associated = associated === 'true';
  }
  return filter;
}

export function registerTraitRoutes(app: FastifyInstance, svc: PlacementService, authed: Guard): void {
  const since = { ...authed, config: { versions: { min: '1.6' } } };
  app.get('/traits', since, async (request) => {
    svc.authorize(callerOf(request), 'placement:traits:list');
    return { traits: await listTraits(svc, traitFilter(request.query as Query)) };
  });

  app.get<NameParams>('/traits/:name', since, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:traits:show');
    if (!(await traitExists(svc, request.params.name))) throw notFound(`No such trait(s): ${request.params.name}.`);
    return reply.status(204).send();
  });

  app.put<NameParams>('/traits/:name', since, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:traits:update');
    const created = await createTrait(svc, request.params.name);
    return reply.status(created ? 201 : 204).header('location', `/traits/${request.params.name}`).send();
  });

  app.delete<NameParams>('/traits/:name', since, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:traits:delete');
    await deleteTrait(svc, request.params.name);
    return reply.status(204).send();
  });
}
