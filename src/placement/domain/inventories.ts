import type { Transaction } from 'kysely';
import type { InventoryRow, PlacementTables, ProviderRow } from '../db/schema.js';
import { badRequest, conflict, ErrorCode, generationConflict, notFound } from '../errors.js';
import type { PlacementService } from '../service.js';
import { bumpGeneration, requireProvider } from './providers.js';
import { unknownClasses } from './resource-classes.js';

/** The largest integer an inventory field holds (a signed 32-bit column). */
export const MAX_INT = 2147483647;

/** An inventory record as clients send it: only `total` is required. */
export interface InventoryInput {
  total: number;
  reserved?: number;
  min_unit?: number;
  max_unit?: number;
  step_size?: number;
  allocation_ratio?: number;
}

export type Inventory = Omit<InventoryRow, 'provider_uuid' | 'resource_class' | 'updated_at'>;

export function withDefaults(input: InventoryInput): Inventory {
  return {
    total: input.total, reserved: input.reserved ?? 0, min_unit: input.min_unit ?? 1, max_unit: input.max_unit ?? MAX_INT,
    step_size: input.step_size ?? 1, allocation_ratio: input.allocation_ratio ?? 1.0,
  };
}

/** Placement's capacity rule: reserved may not exceed total (nor equal it before 1.26). */
function capacityProblem(rc: string, provider: string, inv: Inventory, reservedMayEqualTotal: boolean): string | undefined {
  if (inv.reserved > inv.total || (!reservedMayEqualTotal && inv.reserved === inv.total && inv.reserved > 0)) {
    return reservedMayEqualTotal
      ? `Invalid inventory for '${rc}' on resource provider '${provider}'. The reserved value is greater than total.`
      : `Invalid inventory for '${rc}' on resource provider '${provider}'. The reserved value is greater than or equal to total.`;
  }
  return undefined;
}

export async function listInventories(svc: PlacementService, uuid: string): Promise<{ provider: ProviderRow; inventories: InventoryRow[] }> {
  const provider = await requireProvider(svc.db, uuid);
  const inventories = await svc.db.selectFrom('inventories').selectAll().where('provider_uuid', '=', uuid).orderBy('resource_class').execute();
  return { provider, inventories };
}

export async function showInventory(svc: PlacementService, uuid: string, rc: string): Promise<{ provider: ProviderRow; inventory: InventoryRow }> {
  const { provider, inventories } = await listInventories(svc, uuid);
  const inventory = inventories.find((i) => i.resource_class === rc);
  if (!inventory) throw notFound(`No inventory of class ${rc} for ${uuid}`);
  return { provider, inventory };
}

export interface InventoryWrite {
  /** The provider generation the caller saw; a mismatch is a 409. */
  generation: number;
  reservedMayEqualTotal: boolean;
}

/**
 * Replaces all of a provider's inventories (PUT .../inventories). Classes dropped
 * while allocations still use them are refused with 409 placement.inventory.inuse.
 */
export async function replaceInventories(svc: PlacementService, uuid: string, inputs: Map<string, InventoryInput>, write: InventoryWrite): Promise<{ generation: number; inventories: InventoryRow[] }> {
  const provider = await requireProvider(svc.db, uuid);
  if (provider.generation !== write.generation) throw generationConflict();
  const unknown = await unknownClasses(svc, inputs.keys());
  if (unknown.length > 0) throw badRequest(`Unknown resource class in inventory for resource provider ${uuid}: No such resource class ${unknown[0]}.`);
  const rows = [...inputs].map(([rc, input]) => toRow(svc, uuid, rc, input, write, 'update'));
  return svc.db.transaction().execute(async (tx) => {
    const generation = await bumpGeneration(tx, uuid, write.generation, svc.now());
    const current = await tx.selectFrom('inventories').select('resource_class').where('provider_uuid', '=', uuid).execute();
    const dropped = current.map((r) => r.resource_class).filter((rc) => !inputs.has(rc));
    await refuseIfInUse(tx, uuid, dropped, (inUse) => `update conflict: Inventory for '${inUse.join(', ')}' on resource provider '${uuid}' in use.`);
    await tx.deleteFrom('inventories').where('provider_uuid', '=', uuid).execute();
    if (rows.length > 0) await tx.insertInto('inventories').values(rows).execute();
    return { generation, inventories: rows.sort((a, b) => a.resource_class.localeCompare(b.resource_class)) };
  });
}

/** Adds one class's inventory (POST .../inventories); 409 when the provider has it already. */
export async function addInventory(svc: PlacementService, uuid: string, rc: string, input: InventoryInput, write: InventoryWrite): Promise<{ generation: number; inventory: InventoryRow }> {
  const provider = await requireProvider(svc.db, uuid);
  if (provider.generation !== write.generation) throw generationConflict();
  if ((await unknownClasses(svc, [rc])).length > 0) throw badRequest(`Unable to create inventory for resource provider ${uuid}: No such resource class ${rc}.`);
  const row = toRow(svc, uuid, rc, input, write, 'create');
  return svc.db.transaction().execute(async (tx) => {
    const existing = await tx.selectFrom('inventories').select('resource_class').where('provider_uuid', '=', uuid).where('resource_class', '=', rc).executeTakeFirst();
    if (existing) throw conflict(`Update conflict: Inventory for '${rc}' on resource provider '${uuid}' already exists.`, ErrorCode.CONCURRENT_UPDATE);
    const generation = await bumpGeneration(tx, uuid, write.generation, svc.now());
    await tx.insertInto('inventories').values(row).execute();
    return { generation, inventory: row };
  });
}

/** Replaces one class's inventory (PUT .../inventories/{rc}); 400 when the provider has none of it. */
export async function updateInventory(svc: PlacementService, uuid: string, rc: string, input: InventoryInput, write: InventoryWrite): Promise<{ generation: number; inventory: InventoryRow }> {
  const provider = await requireProvider(svc.db, uuid);
  if (provider.generation !== write.generation) throw generationConflict();
  const row = toRow(svc, uuid, rc, input, write, 'update');
  return svc.db.transaction().execute(async (tx) => {
    const existing = await tx.selectFrom('inventories').select('resource_class').where('provider_uuid', '=', uuid).where('resource_class', '=', rc).executeTakeFirst();
    if (!existing) throw badRequest(`No inventory record with resource class for resource provider ${uuid}: No inventory of class ${rc} found.`);
    const generation = await bumpGeneration(tx, uuid, write.generation, svc.now());
    await tx.updateTable('inventories').set(row).where('provider_uuid', '=', uuid).where('resource_class', '=', rc).execute();
    return { generation, inventory: row };
  });
}

/** Deletes one class's inventory, or all of them when `rc` is undefined (1.5). */
export async function deleteInventory(svc: PlacementService, uuid: string, rc: string | undefined): Promise<void> {
  const provider = await requireProvider(svc.db, uuid);
  await svc.db.transaction().execute(async (tx) => {
    let q = tx.selectFrom('inventories').select('resource_class').where('provider_uuid', '=', uuid);
    if (rc !== undefined) q = q.where('resource_class', '=', rc);
    const classes = (await q.execute()).map((r) => r.resource_class);
    if (rc !== undefined && classes.length === 0) throw notFound(`No inventory of class ${rc} found for delete`);
    await refuseIfInUse(tx, uuid, classes, (inUse) => `Inventory for '${inUse.join(', ')}' on resource provider '${uuid}' in use.`);
    await bumpGeneration(tx, uuid, provider.generation, svc.now()).catch(() => {
      throw conflict(`Unable to delete inventory for resource provider ${uuid} because the inventory was updated by another process. Please retry your request.`, ErrorCode.CONCURRENT_UPDATE);
    });
    let del = tx.deleteFrom('inventories').where('provider_uuid', '=', uuid);
    if (rc !== undefined) del = del.where('resource_class', '=', rc);
    await del.execute();
  });
}

export function toRow(svc: PlacementService, uuid: string, rc: string, input: InventoryInput, write: InventoryWrite, verb: 'create' | 'update'): InventoryRow {
  const inv = withDefaults(input);
  const problem = capacityProblem(rc, uuid, inv, write.reservedMayEqualTotal);
  if (problem) throw badRequest(`Unable to ${verb} inventory for resource provider ${uuid}: ${problem}`);
  return { provider_uuid: uuid, resource_class: rc, ...inv, updated_at: svc.now() };
}

async function refuseIfInUse(tx: Transaction<PlacementTables>, uuid: string, classes: string[], message: (inUse: string[]) => string): Promise<void> {
  if (classes.length === 0) return;
  const used = await tx.selectFrom('allocations').select('resource_class').distinct()
    .where('provider_uuid', '=', uuid).where('resource_class', 'in', classes).execute();
  if (used.length > 0) throw conflict(message(used.map((r) => r.resource_class).sort()), ErrorCode.INVENTORY_INUSE);
}
