import type { Kysely, Transaction } from 'kysely';
import { isUniqueViolation } from '../../core/db/index.js';
import type { NetworkTables } from './schema.js';

type Queryable = Kysely<NetworkTables> | Transaction<NetworkTables>;

/** Tags of many resources at once, each list sorted. */
export async function tagsOf(db: Queryable, ids: readonly string[]): Promise<Map<string, string[]>> {
  const byResource = new Map<string, string[]>();
  if (ids.length === 0) return byResource;
  const rows = await db.selectFrom('resource_tags').select(['resource_id', 'tag']).where('resource_id', 'in', [...ids]).orderBy('tag').execute();
  for (const r of rows) (byResource.get(r.resource_id) ?? byResource.set(r.resource_id, []).get(r.resource_id)!).push(r.tag);
  return byResource;
}

/** Replaces a resource's tags. */
export async function setTags(db: Kysely<NetworkTables>, id: string, tags: readonly string[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('resource_tags').where('resource_id', '=', id).execute();
    if (tags.length) await tx.insertInto('resource_tags').values([...new Set(tags)].map((tag) => ({ resource_id: id, tag }))).execute();
  });
}

export async function addTag(db: Kysely<NetworkTables>, id: string, tag: string): Promise<void> {
  const exists = await db.selectFrom('resource_tags').select('tag').where('resource_id', '=', id).where('tag', '=', tag).executeTakeFirst();
  if (exists) return;
  try {
    await db.insertInto('resource_tags').values({ resource_id: id, tag }).execute();
  } catch (e) {
    // A parallel request added the same tag: the outcome is the one asked for.
    if (!isUniqueViolation(e)) throw e;
  }
}

/** Removes one tag; false when the resource did not have it. */
export async function removeTag(db: Kysely<NetworkTables>, id: string, tag: string): Promise<boolean> {
  const r = await db.deleteFrom('resource_tags').where('resource_id', '=', id).where('tag', '=', tag).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Drops a deleted resource's tags (inside the transaction that deletes it). */
export async function dropTags(db: Queryable, id: string): Promise<void> {
  await db.deleteFrom('resource_tags').where('resource_id', '=', id).execute();
}
