import type { Kysely } from 'kysely';
import { withAutoIncrementId } from '../../../core/db/index.js';

/** Compute services (agents, scheduler, conductor) with their heartbeats, and the hypervisors they report. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await withAutoIncrementId(db, s.createTable('services'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('binary', 'varchar(255)', (c) => c.notNull())
    .addColumn('topic', 'varchar(255)')
    .addColumn('report_count', 'integer', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', 'varchar(255)')
    .addColumn('forced_down', 'integer', (c) => c.notNull())
    .addColumn('last_seen_up', 'varchar(32)')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .addUniqueConstraint('services_host_binary', ['host', 'binary'])
    .execute();
  await withAutoIncrementId(db, s.createTable('compute_nodes'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('service_id', 'integer', (c) => c.notNull().references('services.id'))
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('hypervisor_hostname', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('hypervisor_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('hypervisor_version', 'integer', (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('local_gb', 'integer', (c) => c.notNull())
    .addColumn('vcpus_used', 'integer', (c) => c.notNull())
    .addColumn('memory_mb_used', 'integer', (c) => c.notNull())
    .addColumn('local_gb_used', 'integer', (c) => c.notNull())
    .addColumn('running_vms', 'integer', (c) => c.notNull())
    .addColumn('cpu_info', 'text', (c) => c.notNull())
    .addColumn('host_ip', 'varchar(64)', (c) => c.notNull())
    .addColumn('cpu_allocation_ratio', 'real', (c) => c.notNull())
    .addColumn('ram_allocation_ratio', 'real', (c) => c.notNull())
    .addColumn('disk_allocation_ratio', 'real', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
}
