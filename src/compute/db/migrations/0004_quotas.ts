import type { Kysely } from 'kysely';

/** Per-project (and per-user) quota limits that differ from the [quota] defaults. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('quotas')
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    // '' for the project's own limit; a user id for a per-user limit inside the project.
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(64)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('quotas_pk', ['project_id', 'user_id', 'resource'])
    .execute();
}
