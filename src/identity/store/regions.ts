import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { RegionTable } from './schema.js';

export type RegionRow = Selectable<RegionTable>;

export async function getRegionRow(db: Queryable, id: string): Promise<RegionRow | undefined> {
  return db.selectFrom('region').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRegionRows(db: Queryable, parentId?: string): Promise<RegionRow[]> {
  let q = db.selectFrom('region').selectAll().orderBy('id');
  if (parentId !== undefined) q = q.where('parent_region_id', '=', parentId);
  return q.execute();
}

export async function insertRegion(db: Queryable, row: RegionRow): Promise<void> {
  await db.insertInto('region').values(row).execute();
}

export async function updateRegion(db: Queryable, row: RegionRow): Promise<void> {
  await db.updateTable('region').set(row).where('id', '=', row.id).execute();
}

export async function deleteRegion(db: Queryable, id: string): Promise<void> {
  await db.deleteFrom('region').where('id', '=', id).execute();
}
