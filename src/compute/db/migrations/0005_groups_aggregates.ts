import type { Kysely } from 'kysely';
import { withAutoIncrementId } from '../../../core/db/index.js';

/** Server groups with their members, and host aggregates with their hosts and metadata. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await withAutoIncrementId(db, s.createTable('server_groups'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('policy', 'varchar(32)', (c) => c.notNull())
    /** JSON {max_server_per_host?}. */
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await s.createIndex('server_groups_project').on('server_groups').column('project_id').execute();
  await s.createTable('server_group_members')
    .addColumn('group_uuid', 'varchar(36)', (c) => c.notNull().references('server_groups.uuid'))
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    .addPrimaryKeyConstraint('server_group_members_pk', ['group_uuid', 'instance_uuid'])
    .execute();
  // An instance is in at most one group.
  await s.createIndex('server_group_members_instance').on('server_group_members').column('instance_uuid').unique().execute();

  await withAutoIncrementId(db, s.createTable('aggregates'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await s.createTable('aggregate_hosts')
    .addColumn('aggregate_id', 'integer', (c) => c.notNull().references('aggregates.id'))
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('aggregate_hosts_pk', ['aggregate_id', 'host'])
    .execute();
  await s.createTable('aggregate_metadata')
    .addColumn('aggregate_id', 'integer', (c) => c.notNull().references('aggregates.id'))
    .addColumn('key', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('aggregate_metadata_pk', ['aggregate_id', 'key'])
    .execute();
}
