import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { createClass, CUSTOM_CLASS_PATTERN, deleteClass, isStandardClass, listClasses, renameClass, showClass } from '../domain/resource-classes.js';
import { badRequest } from '../errors.js';
import type { PlacementService } from '../service.js';
import type { Guard } from './index.js';
import { checkBody } from './validate.js';
import { resourceClassView } from './views.js';

type NameParams = { Params: { name: string } };
const CustomName = Type.String({ pattern: CUSTOM_CLASS_PATTERN.source, maxLength: 255 });
const Body = Type.Object({ name: CustomName }, { additionalProperties: false });

export function registerResourceClassRoutes(app: FastifyInstance, svc: PlacementService, authed: Guard): void {
  const since = { ...authed, config: { versions: { min: '1.2' } } };
  app.get('/resource_classes', since, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_classes:list');
    return { resource_classes: (await listClasses(svc)).map(resourceClassView) };
  });

  app.post('/resource_classes', since, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:resource_classes:create');
    const { name } = checkBody(Body, request.body);
    await createClass(svc, name, false);
    return reply.status(201).header('location', `/resource_classes/${name}`).send();
  });

  app.get<NameParams>('/resource_classes/:name', since, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_classes:show');
    return resourceClassView(await showClass(svc, request.params.name));
  });

  app.put<NameParams>('/resource_classes/:name', since, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:resource_classes:update');
    const { name } = request.params;
    if (request.apiVersion.atLeast('1.7')) {
      // From 1.7 PUT creates the custom class if missing and has no body.
      if (isStandardClass(name)) return reply.status(204).send();
      if (!CUSTOM_CLASS_PATTERN.test(name) || name.length > 255) {
        throw badRequest(`JSON does not validate: '${name}' does not match '${CUSTOM_CLASS_PATTERN.source}'`);
      }
      const created = await createClass(svc, name, true);
      return reply.status(created ? 201 : 204).header('location', `/resource_classes/${name}`).send();
    }
    const body = checkBody(Body, request.body);
    await renameClass(svc, name, body.name);
    return resourceClassView(body.name);
  });

  app.delete<NameParams>('/resource_classes/:name', since, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:resource_classes:delete');
    await deleteClass(svc, request.params.name);
    return reply.status(204).send();
  });
}
