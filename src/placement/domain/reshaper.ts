import type { Transaction } from 'kysely';
import type { PlacementTables } from '../db/schema.js';
import { inventoriesBy, usageBy } from '../db/usage.js';
import { badRequest, conflict, ErrorCode } from '../errors.js';
import type { PlacementService } from '../service.js';
import { ProviderRace, writeOnce, type ConsumerAllocations } from './allocations.js';
import { capacityOf } from './capacity.js';
import { toRow, type InventoryInput } from './inventories.js';
import { bumpGeneration } from './providers.js';
import { unknownClasses } from './resource-classes.js';

export interface ReshapedInventory {
  provider: string;
  generation: number;
  inventories: Map<string, InventoryInput>;
}

/**
 * POST /reshaper (1.30): a provider tree's inventories and the allocations on them
 * replaced in one transaction, as a compute host does when it moves a resource class
 * from a root to a child provider (VGPU onto a GPU child). Inventories in use may go
 * because the allocations move with them; what must hold is the end state: every
 * allocation on a reshaped provider within the new inventories. Any generation that
 * moved meanwhile is a 409 and nothing changes.
 */
export async function reshape(svc: PlacementService, inventories: ReshapedInventory[], allocations: ConsumerAllocations[]): Promise<void> {
  const reshaped = inventories.map((i) => i.provider);
  const providers = [...new Set([...reshaped, ...allocations.flatMap((a) => [...a.allocations.keys()])])];
  const existing = new Set((await svc.db.selectFrom('resource_providers').select('uuid').where('uuid', 'in', providers.length ? providers : ['']).execute()).map((r) => r.uuid));
  const missing = providers.find((p) => !existing.has(p));
  if (missing) throw badRequest(`Resource provider ${missing} in inventories not found`);
  const classes = [...new Set([...inventories.flatMap((i) => [...i.inventories.keys()]), ...allocations.flatMap((a) => [...a.allocations.values()].flatMap((m) => [...m.keys()]))])];
  const unknown = await unknownClasses(svc, classes);
  if (unknown.length > 0) throw badRequest(`No such resource class ${unknown[0]}.`);
  const rows = inventories.map((i) => ({ ...i, rows: [...i.inventories].map(([rc, input]) => toRow(svc, i.provider, rc, input, { generation: i.generation, reservedMayEqualTotal: true }, 'update')) }));
  const allocated = [...new Set(allocations.flatMap((a) => [...a.allocations.keys()]))];
  await svc.allocationLock.run('allocations', async () => {
    try {
      await svc.db.transaction().execute(async (tx) => {
        const now = svc.now();
        for (const r of rows) {
          await bumpGeneration(tx, r.provider, r.generation, now);
          await tx.deleteFrom('inventories').where('provider_uuid', '=', r.provider).execute();
          if (r.rows.length > 0) await tx.insertInto('inventories').values(r.rows).execute();
        }
        await writeOnce(svc, tx, allocations, allocated, classes);
        await checkEndState(tx, reshaped);
      });
    } catch (e) {
      if (e instanceof ProviderRace) throw conflict('resource provider generation conflict', ErrorCode.CONCURRENT_UPDATE);
      throw e;
    }
  });
}

/** Every class still allocated on a reshaped provider has inventory there, and usage fits its capacity. */
async function checkEndState(tx: Transaction<PlacementTables>, providers: string[]): Promise<void> {
  if (providers.length === 0) return;
  const used = await usageBy(tx, { providers });
  const inventories = await inventoriesBy(tx, { providers });
  for (const [provider, byClass] of used) {
    for (const [rc, amount] of byClass) {
      const inv = inventories.get(provider)?.get(rc);
      if (!inv) throw conflict(`Unable to allocate inventory: Inventory for '${rc}' on resource provider '${provider}' invalid.`, ErrorCode.INVENTORY_INUSE);
      if (amount > capacityOf(inv)) throw conflict(`Unable to allocate inventory: usage of '${rc}' on resource provider '${provider}' would exceed its capacity.`);
    }
  }
}
