import { MysqlAdapter, sql, type Kysely } from 'kysely';
import { withAutoIncrementId } from '../../core/db/index.js';

/**
 * The resource types Glance's catalogue (etc/metadefs/*.json) associates namespaces
 * with; `glance-manage db_load_metadefs` creates them protected. Seeding them here
 * means GET /v2/metadefs/resource_types answers with the standard list on a fresh cloud.
 */
export const SEEDED_RESOURCE_TYPES = [
  'OS::Glance::Image',
  'OS::Cinder::Volume',
  'OS::Nova::Flavor',
  'OS::Nova::Server',
  'OS::Nova::Aggregate',
  'OS::Trove::Instance',
] as const;

/** The metadata definitions tables (Glance models_metadef.py) and their seed rows. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  // Descriptions and property documents may be as large as a request body. MariaDB's
  // TEXT stops at 64 KiB; MEDIUMTEXT holds 16 MiB (text is unbounded elsewhere).
  const blob = db.getExecutor().adapter instanceof MysqlAdapter ? sql`mediumtext` : 'text';
  await withAutoIncrementId(db, s.createTable('metadef_namespaces'))
    .addColumn('namespace', 'varchar(80)', (c) => c.notNull().unique())
    .addColumn('display_name', 'varchar(80)')
    .addColumn('description', blob)
    .addColumn('visibility', 'varchar(32)')
    .addColumn('protected', 'integer')
    .addColumn('owner', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await s.createIndex('metadef_namespaces_owner').on('metadef_namespaces').column('owner').execute();

  await withAutoIncrementId(db, s.createTable('metadef_resource_types'))
    .addColumn('name', 'varchar(80)', (c) => c.notNull().unique())
    .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();

  // Objects, properties and tags: unique by name within their namespace, and gone
  // with it (the cascade is a safety net; deletes also remove them explicitly).
  for (const table of ['metadef_objects', 'metadef_properties', 'metadef_tags'] as const) {
    let t = withAutoIncrementId(db, s.createTable(table))
      .addColumn('namespace_id', 'integer', (c) => c.notNull().references('metadef_namespaces.id').onDelete('cascade'))
      .addColumn('name', 'varchar(80)', (c) => c.notNull());
    if (table === 'metadef_objects') t = t.addColumn('description', blob).addColumn('required', blob);
    if (table !== 'metadef_tags') t = t.addColumn('json_schema', blob, (c) => c.notNull());
    await t
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)')
      .addUniqueConstraint(`${table}_namespace_name`, ['namespace_id', 'name'])
      .execute();
    await s.createIndex(`${table}_name`).on(table).column('name').execute();
  }

  await s.createTable('metadef_namespace_resource_types')
    .addColumn('resource_type_id', 'integer', (c) => c.notNull().references('metadef_resource_types.id'))
    .addColumn('namespace_id', 'integer', (c) => c.notNull().references('metadef_namespaces.id').onDelete('cascade'))
    .addColumn('properties_target', 'varchar(80)')
    .addColumn('prefix', 'varchar(80)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .addPrimaryKeyConstraint('metadef_ns_res_types_pk', ['resource_type_id', 'namespace_id'])
    .execute();
  await s.createIndex('metadef_ns_res_types_namespace').on('metadef_namespace_resource_types').column('namespace_id').execute();

  // Migrations take no clock: the seed time is when the schema was created, as with
  // Glance's loader. Inserted one by one so ids (and so list order) follow the list.
  const createdAt = new Date().toISOString();
  for (const name of SEEDED_RESOURCE_TYPES) {
    await (db as Kysely<{ metadef_resource_types: { name: string; protected: number; created_at: string } }>)
      .insertInto('metadef_resource_types').values({ name, protected: 1, created_at: createdAt }).execute();
  }
}
