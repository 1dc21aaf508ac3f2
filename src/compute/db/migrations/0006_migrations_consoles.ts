import type { Kysely } from 'kysely';
import { withAutoIncrementId } from '../../../core/db/index.js';

/**
 * Moves of instances between hosts (resize, cold and live migration, evacuation),
 * console access tokens, and each compute node's count of builds failed in a row
 * (Nova's failed_builds stat, which the BuildFailureWeigher reads).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.alterTable('compute_nodes').addColumn('failed_builds', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await withAutoIncrementId(db, s.createTable('migrations'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('migration_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('source_compute', 'varchar(255)')
    .addColumn('source_node', 'varchar(255)')
    .addColumn('dest_compute', 'varchar(255)')
    .addColumn('dest_node', 'varchar(255)')
    .addColumn('dest_host', 'varchar(255)')
    // Internal flavor ids, as Nova's old_instance_type_id/new_instance_type_id show them.
    .addColumn('old_instance_type_id', 'integer')
    .addColumn('new_instance_type_id', 'integer')
    .addColumn('project_id', 'varchar(255)')
    .addColumn('user_id', 'varchar(255)')
    // Live-migration progress (os-server-migrations): bytes and disk figures.
    .addColumn('memory_total', 'bigint')
    .addColumn('memory_processed', 'bigint')
    .addColumn('memory_remaining', 'bigint')
    .addColumn('disk_total', 'bigint')
    .addColumn('disk_processed', 'bigint')
    .addColumn('disk_remaining', 'bigint')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await s.createIndex('migrations_instance').on('migrations').columns(['instance_uuid', 'status']).execute();
  await s.createIndex('migrations_updated').on('migrations').column('updated_at').execute();

  await withAutoIncrementId(db, s.createTable('console_auth_tokens'))
    // Only the SHA-256 of the token is kept, as Nova does: a database dump opens no consoles.
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('console_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('internal_access_path', 'varchar(255)')
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('access_url_base', 'varchar(255)', (c) => c.notNull())
    .addColumn('expires', 'varchar(32)', (c) => c.notNull())
    .execute();
  await s.createIndex('console_auth_tokens_instance').on('console_auth_tokens').column('instance_uuid').execute();
}
