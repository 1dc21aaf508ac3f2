import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Image } from '../model.js';
import { imageFromRow, rowFromImage, storedTime, toCount } from './rows.js';
import type { ImageRow, ImageTables } from './schema.js';

type Db = Kysely<ImageTables>;
type Eb = ExpressionBuilder<ImageTables, 'images'>;

/** Reads images with their tags and properties attached (two batched lookups). */
async function hydrate(db: Db, rows: ImageRow[]): Promise<Image[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [tags, props] = await Promise.all([
    db.selectFrom('image_tags').select(['image_id', 'value']).where('image_id', 'in', ids).execute(),
    db.selectFrom('image_properties').select(['image_id', 'name', 'value']).where('image_id', 'in', ids).execute(),
  ]);
  const tagsOf = new Map<string, string[]>();
  for (const t of tags) (tagsOf.get(t.image_id) ?? tagsOf.set(t.image_id, []).get(t.image_id)!).push(t.value);
  const propsOf = new Map<string, Record<string, string>>();
  for (const p of props) (propsOf.get(p.image_id) ?? propsOf.set(p.image_id, {}).get(p.image_id)!)[p.name] = p.value;
  return rows.map((r) => imageFromRow(r, (tagsOf.get(r.id) ?? []).sort(), propsOf.get(r.id) ?? {}));
}

export async function getImage(db: Db, id: string): Promise<Image | undefined> {
  const row = await db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? (await hydrate(db, [row]))[0] : undefined;
}

export async function getImageRow(db: Db, id: string): Promise<ImageRow | undefined> {
  return db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertImage(db: Db, image: Image): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('images').values(rowFromImage(image)).execute();
    await writeTags(tx, image.id, image.tags);
    await writeProperties(tx, image.id, image.properties);
  });
}

async function writeTags(db: Db, imageId: string, tags: readonly string[]): Promise<void> {
  if (tags.length) await db.insertInto('image_tags').values([...new Set(tags)].map((value) => ({ image_id: imageId, value }))).execute();
}

async function writeProperties(db: Db, imageId: string, props: Record<string, string>): Promise<void> {
  const rows = Object.entries(props).map(([name, value]) => ({ image_id: imageId, name, value }));
  if (rows.length) await db.insertInto('image_properties').values(rows).execute();
}

/**
 * Saves a changed image in one transaction. When `expectStatus` is given the write only
 * happens if the stored status is still one of them (compare-and-set), so two uploads,
 * or an upload racing a delete, cannot both win. Returns false when the guard failed
 * or the image is gone.
 */
export async function saveImage(db: Db, image: Image, options: { expectStatus?: readonly string[]; replaceTags?: boolean; replaceProperties?: boolean } = {}): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const { id, ...row } = rowFromImage(image);
    const { staged_size: _ignored, created_at: _created, ...changes } = row;
    let update = tx.updateTable('images').set(changes).where('id', '=', id);
    if (options.expectStatus) update = update.where('status', 'in', [...options.expectStatus]);
    const result = await update.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    if (options.replaceTags ?? true) {
      await tx.deleteFrom('image_tags').where('image_id', '=', id).execute();
      await writeTags(tx, id, image.tags);
    }
    if (options.replaceProperties ?? true) {
      await tx.deleteFrom('image_properties').where('image_id', '=', id).execute();
      await writeProperties(tx, id, image.properties);
    }
    return true;
  });
}

/** Status-only transition with compare-and-set (upload and import state machine). */
export async function setStatus(db: Db, id: string, from: readonly string[], to: string, at: Date, extra: Partial<ImageRow> = {}): Promise<boolean> {
  const result = await db.updateTable('images').set({ ...extra, status: to, updated_at: storedTime(at) })
    .where('id', '=', id).where('status', 'in', [...from]).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function setProperty(db: Db, id: string, name: string, value: string | null): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('image_properties').where('image_id', '=', id).where('name', '=', name).execute();
    if (value !== null) await tx.insertInto('image_properties').values({ image_id: id, name, value }).execute();
  });
}

export async function deleteImageRow(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('images').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function addTag(db: Db, id: string, tag: string): Promise<void> {
  const exists = await db.selectFrom('image_tags').select('value').where('image_id', '=', id).where('value', '=', tag).executeTakeFirst();
  if (!exists) await db.insertInto('image_tags').values({ image_id: id, value: tag }).execute();
}

export async function removeTag(db: Db, id: string, tag: string): Promise<boolean> {
  const result = await db.deleteFrom('image_tags').where('image_id', '=', id).where('value', '=', tag).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function touch(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable('images').set({ updated_at: storedTime(at) }).where('id', '=', id).execute();
}

// ---- usage, for quotas -----------------------------------------------------------------

export interface ProjectUsage {
  imageCount: number;
  /** Bytes of stored image data. */
  totalSize: number;
  /** Bytes in the staging area. */
  stagedSize: number;
  /** Images in saving/uploading/importing: uploads in flight. */
  uploading: number;
}

export async function projectUsage(db: Db, owner: string): Promise<ProjectUsage> {
  const row = await db.selectFrom('images')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('n'),
      eb.fn.sum<number | string | null>('size').as('bytes'),
      eb.fn.sum<number | string | null>('staged_size').as('staged'),
      eb.fn.sum<number | string>(sql`case when status in ('saving','uploading','importing') then 1 else 0 end`).as('uploading'),
    ])
    .where('owner', '=', owner).executeTakeFirstOrThrow();
  return { imageCount: Number(row.n), totalSize: toCount(row.bytes) ?? 0, stagedSize: toCount(row.staged) ?? 0, uploading: toCount(row.uploading) ?? 0 };
}

// ---- listing ------------------------------------------------------------------------

export const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** A filter on a base attribute: `eq`/`neq`/`in` on text, ordering operators on times and sizes. */
export interface AttributeFilter {
  column: 'id' | 'name' | 'status' | 'container_format' | 'disk_format' | 'owner' | 'created_at' | 'updated_at' | 'size' | 'virtual_size' | 'visibility' | 'min_ram' | 'min_disk' | 'checksum' | 'os_hash_value' | 'protected' | 'os_hidden';
  op: 'eq' | 'neq' | 'in' | 'gt' | 'gte' | 'lt' | 'lte';
  values: readonly (string | number)[];
}

export interface ImageListQuery {
  /** The caller: admins see every project's images, others what Glance lets them see. */
  viewer: { projectId: string | null; isAdmin: boolean };
  visibility: 'public' | 'private' | 'shared' | 'community' | 'all' | undefined;
  memberStatus: 'pending' | 'accepted' | 'rejected' | 'all';
  filters: readonly AttributeFilter[];
  properties: Readonly<Record<string, string>>;
  tags: readonly string[];
  sort: ReadonlyArray<{ key: SortKey; dir: 'asc' | 'desc' }>;
  marker: ImageRow | undefined;
  limit: number;
}

/** Sort expression with NULLs folded to the lowest value, identical on every engine. */
function sortExpr(key: SortKey): Expression<unknown> {
  if (key === 'size') return sql`coalesce(images.size, -1)`;
  return sql`coalesce(${sql.ref(`images.${key}`)}, '')`;
}

function markerValue(key: SortKey, marker: ImageRow): string | number {
  if (key === 'size') return toCount(marker.size) ?? -1;
  return (marker[key] as string | null) ?? '';
}

function visibilityCondition(eb: Eb, q: ImageListQuery): Expression<SqlBool> | undefined {
  const project = q.viewer.projectId ?? '';
  const memberOf = (statuses: 'all' | string): Expression<SqlBool> => {
    let sub = eb.selectFrom('image_members').select('image_members.image_id')
      .whereRef('image_members.image_id', '=', 'images.id').where('image_members.member', '=', project);
    if (statuses !== 'all') sub = sub.where('image_members.status', '=', statuses);
    return eb.exists(sub);
  };
  const sharedVisible = (): Expression<SqlBool> =>
    eb.and([eb('images.visibility', '=', 'shared'), eb.or([eb('images.owner', '=', project), memberOf(q.memberStatus)])]);
  switch (q.visibility) {
    case 'public': return eb('images.visibility', '=', 'public');
    case 'community': return eb('images.visibility', '=', 'community');
    case 'private':
      return q.viewer.isAdmin ? eb('images.visibility', '=', 'private') : eb.and([eb('images.visibility', '=', 'private'), eb('images.owner', '=', project)]);
    case 'shared':
      return q.viewer.isAdmin ? eb('images.visibility', '=', 'shared') : sharedVisible();
    case 'all':
      if (q.viewer.isAdmin) return undefined;
      return eb.or([eb('images.visibility', 'in', ['public', 'community']), eb('images.owner', '=', project), sharedVisible()]);
    default:
      if (q.viewer.isAdmin) return undefined;
      // Community images appear only when asked for (or owned), as in Glance.
      return eb.or([eb('images.visibility', '=', 'public'), eb('images.owner', '=', project), sharedVisible()]);
  }
}

function filterCondition(eb: Eb, f: AttributeFilter): Expression<SqlBool> {
  const col = sql.ref<string | number>(`images.${f.column}`);
  const v = f.values[0] ?? '';
  switch (f.op) {
    case 'in': return eb(col, 'in', [...f.values]);
    case 'neq': return eb.or([eb(col, '<>', v), eb(col, 'is', null)]);
    case 'gt': return eb(col, '>', v);
    case 'gte': return eb(col, '>=', v);
    case 'lt': return eb(col, '<', v);
    case 'lte': return eb(col, '<=', v);
    default: return eb(col, '=', v);
  }
}

/** Keyset condition "after the marker" for the sort order (id breaks ties). */
function afterMarker(eb: Eb, sort: ImageListQuery['sort'], marker: ImageRow): Expression<SqlBool> {
  const keys = [...sort];
  if (!keys.some((k) => k.key === 'id')) keys.push({ key: 'id', dir: keys[keys.length - 1]?.dir ?? 'desc' });
  const alternatives: Expression<SqlBool>[] = [];
  for (let i = 0; i < keys.length; i++) {
    const parts: Expression<SqlBool>[] = [];
    for (let j = 0; j < i; j++) {
      const k = keys[j]!;
      parts.push(sql<SqlBool>`${sortExpr(k.key)} = ${markerValue(k.key, marker)}`);
    }
    const k = keys[i]!;
    parts.push(k.dir === 'asc' ? sql<SqlBool>`${sortExpr(k.key)} > ${markerValue(k.key, marker)}` : sql<SqlBool>`${sortExpr(k.key)} < ${markerValue(k.key, marker)}`);
    alternatives.push(eb.and(parts));
  }
  return eb.or(alternatives);
}

export async function listImages(db: Db, q: ImageListQuery): Promise<Image[]> {
  let query = db.selectFrom('images').selectAll('images');
  query = query.where((eb) => {
    const conds: Expression<SqlBool>[] = [];
    const vis = visibilityCondition(eb, q);
    if (vis) conds.push(vis);
    for (const f of q.filters) conds.push(filterCondition(eb, f));
    for (const [name, value] of Object.entries(q.properties)) {
      conds.push(eb.exists(eb.selectFrom('image_properties').select('image_properties.image_id')
        .whereRef('image_properties.image_id', '=', 'images.id').where('image_properties.name', '=', name).where('image_properties.value', '=', value)));
    }
    for (const tag of q.tags) {
      conds.push(eb.exists(eb.selectFrom('image_tags').select('image_tags.image_id')
        .whereRef('image_tags.image_id', '=', 'images.id').where('image_tags.value', '=', tag)));
    }
    if (q.marker) conds.push(afterMarker(eb, q.sort, q.marker));
    return eb.and(conds);
  });
  for (const s of q.sort) query = query.orderBy(sortExpr(s.key) as never, s.dir);
  if (!q.sort.some((s) => s.key === 'id')) query = query.orderBy('images.id', q.sort[q.sort.length - 1]?.dir ?? 'desc');
  const rows = await query.limit(q.limit).execute();
  return hydrate(db, rows);
}
