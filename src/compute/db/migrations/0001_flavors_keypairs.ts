import type { Kysely } from 'kysely';
import { withAutoIncrementId } from '../../../core/db/index.js';

/** Flavors (with extra specs and project access) and key pairs. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await withAutoIncrementId(db, s.createTable('flavors'))
    .addColumn('flavorid', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('root_gb', 'integer', (c) => c.notNull())
    .addColumn('ephemeral_gb', 'integer', (c) => c.notNull())
    .addColumn('swap', 'integer', (c) => c.notNull())
    .addColumn('rxtx_factor', 'real', (c) => c.notNull())
    .addColumn('vcpu_weight', 'integer')
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('is_public', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await s.createTable('flavor_extra_specs')
    .addColumn('flavor_id', 'integer', (c) => c.notNull().references('flavors.id'))
    .addColumn('key', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('flavor_extra_specs_pk', ['flavor_id', 'key'])
    .execute();
  await s.createTable('flavor_projects')
    .addColumn('flavor_id', 'integer', (c) => c.notNull().references('flavors.id'))
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('flavor_projects_pk', ['flavor_id', 'project_id'])
    .execute();
  await withAutoIncrementId(db, s.createTable('key_pairs'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('fingerprint', 'varchar(255)', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('key_pairs_user_name', ['user_id', 'name'])
    .execute();
}
