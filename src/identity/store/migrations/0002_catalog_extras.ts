import type { Kysely } from 'kysely';

/**
 * Catalog extras: the Policies API (/v3/policies), OS-EP-FILTER endpoint groups and
 * the project <-> endpoint / endpoint group associations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.createTable('policy')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('blob', 'text', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await s.createTable('endpoint_group')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('filters', 'text', (c) => c.notNull())
    .execute();
  await s.createTable('project_endpoint_group')
    .addColumn('endpoint_group_id', 'varchar(64)', (c) => c.notNull().references('endpoint_group.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_endpoint_group_pk', ['endpoint_group_id', 'project_id'])
    .execute();
  await s.createIndex('project_endpoint_group_project').on('project_endpoint_group').column('project_id').execute();
  await s.createTable('project_endpoint')
    .addColumn('endpoint_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_endpoint_pk', ['endpoint_id', 'project_id'])
    .execute();
  await s.createIndex('project_endpoint_project').on('project_endpoint').column('project_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['project_endpoint', 'project_endpoint_group', 'endpoint_group', 'policy']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
