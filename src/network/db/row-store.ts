import type { Kysely } from 'kysely';
import type { NetworkTables } from './schema.js';
import { tagsOf } from './tags.js';

type Db = Kysely<NetworkTables>;

/** Tables whose rows are standard-attribute resources: an id, a project, timestamps and tags. */
type ResourceTable = 'subnets' | 'routers' | 'floating_ips' | 'subnetpools';

interface ResourceRow {
  id: string;
  project_id: string;
  created_at: string;
}

/**
 * The reads and writes every tagged resource table shares, from its row mappers: get,
 * list (optionally one project's), insert and update, with tags loaded in one query.
 */
export function resourceRows<Row extends ResourceRow, Model>(
  table: ResourceTable,
  fromRow: (row: Row, tags: string[]) => Model,
  toRow: (model: Model) => Row,
) {
  // One table of rows of this shape, as far as these generic queries are concerned.
  const rows = (db: Db): Kysely<Record<ResourceTable, ResourceRow>> => db as unknown as Kysely<Record<ResourceTable, ResourceRow>>;

  async function withTags(db: Db, found: Row[]): Promise<Model[]> {
    const tags = await tagsOf(db, found.map((r) => r.id));
    return found.map((r) => fromRow(r, tags.get(r.id) ?? []));
  }

  return {
    async get(db: Db, id: string): Promise<Model | undefined> {
      const row = await rows(db).selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
      return row ? (await withTags(db, [row as Row]))[0] : undefined;
    },
    async list(db: Db, projectId?: string): Promise<Model[]> {
      let q = rows(db).selectFrom(table).selectAll().orderBy('created_at').orderBy('id');
      if (projectId !== undefined) q = q.where('project_id', '=', projectId);
      return withTags(db, (await q.execute()) as Row[]);
    },
    async insert(db: Db, model: Model): Promise<void> {
      await rows(db).insertInto(table).values(toRow(model)).execute();
    },
    async update(db: Db, model: Model): Promise<void> {
      const { id, created_at: _created, ...changes } = toRow(model);
      await rows(db).updateTable(table).set(changes).where('id', '=', id).execute();
    },
    withTags,
  };
}
