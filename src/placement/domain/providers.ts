import type { Kysely, Transaction } from 'kysely';
import { isUniqueViolation } from '../../core/db/index.js';
import type { PlacementTables, ProviderRow } from '../db/schema.js';
import { badRequest, conflict, ErrorCode, generationConflict, notFound } from '../errors.js';
import type { PlacementService } from '../service.js';

type Db = Kysely<PlacementTables> | Transaction<PlacementTables>;

export async function findProvider(db: Db, uuid: string): Promise<ProviderRow | undefined> {
  return db.selectFrom('resource_providers').selectAll().where('uuid', '=', uuid).executeTakeFirst();
}

/** The provider, or Placement's 404. */
export async function requireProvider(db: Db, uuid: string): Promise<ProviderRow> {
  const row = await findProvider(db, uuid);
  if (!row) throw notFound(`No resource provider with uuid ${uuid} found`, ErrorCode.RESOURCE_PROVIDER_NOT_FOUND);
  return row;
}

/**
 * Moves a provider's generation from `expected` to the next one, or raises Placement's
 * 409 when someone else moved it first. Every change to what a provider offers or
 * holds goes through this, which is what makes concurrent writers safe on any engine.
 */
export async function bumpGeneration(tx: Db, uuid: string, expected: number, now: string): Promise<number> {
  const r = await tx.updateTable('resource_providers').set({ generation: expected + 1, updated_at: now })
    .where('uuid', '=', uuid).where('generation', '=', expected).executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw generationConflict();
  return expected + 1;
}

export interface NewProvider {
  name: string;
  uuid?: string;
  parent_provider_uuid?: string | null;
}

export async function createProvider(svc: PlacementService, input: NewProvider): Promise<ProviderRow> {
  const uuid = input.uuid ?? svc.ids.uuid();
  const fail = (reason: string): never => {
    throw badRequest(`Unable to create resource provider "${input.name}", ${uuid}: Object action create failed because: ${reason}`);
  };
  let root = uuid;
  if (input.parent_provider_uuid) {
    const parent = await findProvider(svc.db, input.parent_provider_uuid);
    if (!parent) fail('parent provider UUID does not exist.');
    root = parent!.root_uuid;
  }
  const now = svc.now();
  const row: ProviderRow = { uuid, name: input.name, generation: 0, parent_uuid: input.parent_provider_uuid ?? null, root_uuid: root, created_at: now, updated_at: now };
  try {
    await svc.db.insertInto('resource_providers').values(row).execute();
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const sameUuid = await findProvider(svc.db, uuid);
    const duplicate = sameUuid ? `uuid: ${uuid}` : `name: ${input.name}`;
    throw conflict(`Conflicting resource provider ${duplicate} already exists.`, ErrorCode.DUPLICATE_NAME);
  }
  return row;
}

export interface ProviderChanges {
  name?: string;
  /** Present only from microversion 1.14. */
  parent_provider_uuid?: string | null;
}

/** Renames and (from 1.14) parents a provider; re-parenting and un-parenting only with `allowReparenting` (1.37). */
export async function updateProvider(svc: PlacementService, uuid: string, changes: ProviderChanges, allowReparenting: boolean): Promise<ProviderRow> {
  const row = await requireProvider(svc.db, uuid);
  const fail = (reason: string): never => {
    throw badRequest(`Unable to save resource provider ${uuid}: Object action update failed because: ${reason}`);
  };
  const now = svc.now();
  const next: ProviderRow = { ...row, name: changes.name ?? row.name, updated_at: now };
  const parentChanges = changes.parent_provider_uuid !== undefined && changes.parent_provider_uuid !== row.parent_uuid;
  if (parentChanges) {
    const to = changes.parent_provider_uuid ?? null;
    if (row.parent_uuid !== null && !allowReparenting) fail(to === null ? 'un-parenting a provider is not currently allowed.' : 're-parenting a provider is not currently allowed.');
    if (to !== null) {
      const parent = await findProvider(svc.db, to);
      if (!parent) fail('parent provider UUID does not exist.');
      if ((await subtreeOf(svc.db, uuid)).includes(to)) fail('creating loop in the provider tree is not allowed.');
      next.root_uuid = parent!.root_uuid;
    } else {
      next.root_uuid = uuid;
    }
    next.parent_uuid = to;
  }
  try {
    await svc.db.transaction().execute(async (tx) => {
      // The subtree is found through the old root, so before the provider moves.
      const below = next.root_uuid !== row.root_uuid ? (await subtreeOf(tx, uuid)).filter((u) => u !== uuid) : [];
      await tx.updateTable('resource_providers').set({ name: next.name, parent_uuid: next.parent_uuid, root_uuid: next.root_uuid, updated_at: now })
        .where('uuid', '=', uuid).execute();
      if (below.length > 0) await tx.updateTable('resource_providers').set({ root_uuid: next.root_uuid }).where('uuid', 'in', below).execute();
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`Conflicting resource provider ${next.name} already exists.`, ErrorCode.DUPLICATE_NAME);
    throw e;
  }
  return next;
}

/** The provider and every provider below it. */
export async function subtreeOf(db: Db, uuid: string): Promise<string[]> {
  const root = await findProvider(db, uuid);
  if (!root) return [];
  const tree = await db.selectFrom('resource_providers').select(['uuid', 'parent_uuid']).where('root_uuid', '=', root.root_uuid).execute();
  const children = new Map<string, string[]>();
  for (const p of tree) if (p.parent_uuid) children.set(p.parent_uuid, [...(children.get(p.parent_uuid) ?? []), p.uuid]);
  const out: string[] = [];
  const walk = (u: string): void => {
    out.push(u);
    for (const c of children.get(u) ?? []) walk(c);
  };
  walk(uuid);
  return out;
}

export async function deleteProvider(svc: PlacementService, uuid: string): Promise<void> {
  const row = await findProvider(svc.db, uuid);
  if (!row) throw notFound(`No resource provider with uuid ${uuid} found for delete`);
  const child = await svc.db.selectFrom('resource_providers').select('uuid').where('parent_uuid', '=', uuid).limit(1).executeTakeFirst();
  if (child) {
    throw conflict(`Unable to delete parent resource provider ${uuid}: It has child resource providers.`, ErrorCode.PROVIDER_CANNOT_DELETE_PARENT);
  }
  await svc.db.transaction().execute(async (tx) => {
    const held = await tx.selectFrom('allocations').select('consumer_uuid').where('provider_uuid', '=', uuid).limit(1).executeTakeFirst();
    if (held) throw conflict(`Unable to delete resource provider ${uuid}: Resource provider has allocations.`, ErrorCode.PROVIDER_IN_USE);
    await tx.deleteFrom('inventories').where('provider_uuid', '=', uuid).execute();
    await tx.deleteFrom('provider_traits').where('provider_uuid', '=', uuid).execute();
    await tx.deleteFrom('provider_aggregates').where('provider_uuid', '=', uuid).execute();
    await tx.deleteFrom('resource_providers').where('uuid', '=', uuid).execute();
  });
}
