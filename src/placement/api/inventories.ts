import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { addInventory, deleteInventory, listInventories, MAX_INT, replaceInventories, showInventory, type InventoryInput } from '../domain/inventories.js';
import { providerUsages } from '../domain/usages.js';
import type { PlacementService } from '../service.js';
import type { Guard } from './index.js';
import { checkBody } from './validate.js';
import { inventoryView } from './views.js';
import { updateInventory } from '../domain/inventories.js';

type UuidParams = { Params: { uuid: string } };
type ClassParams = { Params: { uuid: string; rc: string } };

const RC_PATTERN = '^[A-Z0-9_]+$';
const Count = (min: number) => Type.Integer({ minimum: min, maximum: MAX_INT });
const inventoryFields = {
  total: Count(1), reserved: Type.Optional(Count(0)), min_unit: Type.Optional(Count(1)), max_unit: Type.Optional(Count(1)),
  step_size: Type.Optional(Count(1)), allocation_ratio: Type.Optional(Type.Number({ maximum: 3.40282e38 })),
};
const Record_ = Type.Object({ ...inventoryFields, resource_provider_generation: Type.Optional(Type.Integer()) }, { additionalProperties: false });
/** One provider's full inventory as PUT .../inventories and the reshaper take it. */
export const PutAll = Type.Object({
  resource_provider_generation: Type.Integer(),
  inventories: Type.Record(Type.String({ pattern: RC_PATTERN }), Record_),
}, { additionalProperties: false });
const PostOne = Type.Object({ ...inventoryFields, resource_class: Type.String({ pattern: RC_PATTERN }), resource_provider_generation: Type.Optional(Type.Integer()) }, { additionalProperties: false });
const PutOne = Type.Object({ ...inventoryFields, resource_provider_generation: Type.Integer() }, { additionalProperties: false });

export function inputOf(body: InventoryInput & Record<string, unknown>): InventoryInput {
  const { total, reserved, min_unit, max_unit, step_size, allocation_ratio } = body;
  return { total, ...(reserved !== undefined ? { reserved } : {}), ...(min_unit !== undefined ? { min_unit } : {}), ...(max_unit !== undefined ? { max_unit } : {}),
    ...(step_size !== undefined ? { step_size } : {}), ...(allocation_ratio !== undefined ? { allocation_ratio } : {}) };
}

export function registerInventoryRoutes(app: FastifyInstance, svc: PlacementService, authed: Guard): void {
  app.get<UuidParams>('/resource_providers/:uuid/inventories', authed, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:inventories:list');
    const { provider, inventories } = await listInventories(svc, request.params.uuid);
    return { inventories: Object.fromEntries(inventories.map((i) => [i.resource_class, inventoryView(i)])), resource_provider_generation: provider.generation };
  });

  app.put<UuidParams>('/resource_providers/:uuid/inventories', authed, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:inventories:update');
    const body = checkBody(PutAll, request.body);
    const inputs = new Map(Object.entries(body.inventories).map(([rc, inv]) => [rc, inputOf(inv)]));
    const { generation, inventories } = await replaceInventories(svc, request.params.uuid, inputs, {
      generation: body.resource_provider_generation, reservedMayEqualTotal: request.apiVersion.atLeast('1.26'),
    });
    return { inventories: Object.fromEntries(inventories.map((i) => [i.resource_class, inventoryView(i)])), resource_provider_generation: generation };
  });

  app.post<UuidParams>('/resource_providers/:uuid/inventories', authed, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:inventories:create');
    const body = checkBody(PostOne, request.body);
    const { provider } = await listInventories(svc, request.params.uuid);
    const { generation, inventory } = await addInventory(svc, request.params.uuid, body.resource_class, inputOf(body), {
      generation: body.resource_provider_generation ?? provider.generation, reservedMayEqualTotal: request.apiVersion.atLeast('1.26'),
    });
    reply.header('location', `/resource_providers/${request.params.uuid}/inventories/${body.resource_class}`);
    return reply.status(201).send({ resource_class: body.resource_class, ...inventoryView(inventory), resource_provider_generation: generation });
  });

  app.delete<UuidParams>('/resource_providers/:uuid/inventories', { ...authed, config: { versions: { min: '1.5' } } }, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:inventories:delete');
    await deleteInventory(svc, request.params.uuid, undefined);
    return reply.status(204).send();
  });

  app.get<ClassParams>('/resource_providers/:uuid/inventories/:rc', authed, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:inventories:show');
    const { provider, inventory } = await showInventory(svc, request.params.uuid, request.params.rc);
    return { ...inventoryView(inventory), resource_provider_generation: provider.generation };
  });

  app.put<ClassParams>('/resource_providers/:uuid/inventories/:rc', authed, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:inventories:update');
    const body = checkBody(PutOne, request.body);
    const { generation, inventory } = await updateInventory(svc, request.params.uuid, request.params.rc, inputOf(body), {
      generation: body.resource_provider_generation, reservedMayEqualTotal: request.apiVersion.atLeast('1.26'),
    });
    return { ...inventoryView(inventory), resource_provider_generation: generation };
  });

  app.delete<ClassParams>('/resource_providers/:uuid/inventories/:rc', authed, async (request, reply) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:inventories:delete');
    await deleteInventory(svc, request.params.uuid, request.params.rc);
    return reply.status(204).send();
  });

  app.get<UuidParams>('/resource_providers/:uuid/usages', authed, async (request) => {
    svc.authorize(callerOf(request), 'placement:resource_providers:usages');
    const { generation, usages } = await providerUsages(svc, request.params.uuid);
    return { usages, resource_provider_generation: generation };
  });
}
