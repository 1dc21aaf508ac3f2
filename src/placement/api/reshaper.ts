import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { reshape } from '../domain/reshaper.js';
import type { PlacementService } from '../service.js';
import { consumerSchema, toRequest, type ConsumerBody } from './allocations.js';
import type { Guard } from './index.js';
import { inputOf, PutAll } from './inventories.js';
import { canonicalUuid, checkBody } from './validate.js';

/** POST /reshaper (1.30): inventories and allocations of a provider tree replaced at once. */
export function registerReshaperRoutes(app: FastifyInstance, svc: PlacementService, authed: Guard): void {
  app.post('/reshaper', { ...authed, config: { versions: { min: '1.30' } } }, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:reshaper:reshape');
    const v = request.apiVersion;
    const body = checkBody(Type.Object({
      inventories: Type.Record(Type.String({ format: 'uuid' }), PutAll),
      allocations: Type.Record(Type.String({ format: 'uuid' }), consumerSchema(v, true)),
    }, { additionalProperties: false }), request.body);
    await reshape(svc,
      Object.entries(body.inventories).map(([provider, inv]) => ({
        provider: canonicalUuid(provider), generation: inv.resource_provider_generation,
        inventories: new Map(Object.entries(inv.inventories).map(([rc, i]) => [rc, inputOf(i)])),
      })),
      Object.entries(body.allocations).map(([consumer, a]) => toRequest(canonicalUuid(consumer), a as ConsumerBody, v)));
    return reply.status(204).send();
  });
}
