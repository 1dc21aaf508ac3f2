import { MysqlAdapter, sql, type Kysely } from 'kysely';

/**
 * Unified limits: registered (default) limits per service, region and resource, and
 * the project or domain limits that override them. A limit names its registered limit
 * (as Keystone's `limit.registered_limit_id`), so service, region and resource name
 * live in one place. Uniqueness of (service, region, resource) and of (registered
 * limit, project or domain) is checked in code: a NULL region or project would escape
 * a unique index on every engine. Descriptions are MEDIUMTEXT on MariaDB, as 0004 made
 * every other free text there.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  const text = db.getExecutor().adapter instanceof MysqlAdapter ? sql`mediumtext` : sql`text`;
  await s.createTable('registered_limit')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('service_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('region_id', 'varchar(255)')
    .addColumn('resource_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('default_limit', 'integer', (c) => c.notNull())
    .addColumn('description', text)
    .execute();
  await s.createIndex('registered_limit_service').on('registered_limit').columns(['service_id', 'resource_name']).execute();
  await s.createIndex('registered_limit_region').on('registered_limit').column('region_id').execute();
  await s.createTable('unified_limit')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('registered_limit_id', 'varchar(64)', (c) => c.notNull().references('registered_limit.id'))
    .addColumn('project_id', 'varchar(64)')
    .addColumn('domain_id', 'varchar(64)')
    .addColumn('resource_limit', 'integer', (c) => c.notNull())
    .addColumn('description', text)
    .execute();
  await s.createIndex('unified_limit_registered').on('unified_limit').column('registered_limit_id').execute();
  await s.createIndex('unified_limit_project').on('unified_limit').column('project_id').execute();
  await s.createIndex('unified_limit_domain').on('unified_limit').column('domain_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['unified_limit', 'registered_limit']) await db.schema.dropTable(t).ifExists().execute();
}
