import type { Kysely } from 'kysely';
import { withAutoIncrementId } from '../../../core/db/index.js';

/** Instances with their metadata, tags, faults, and the actions and events recorded for them. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await withAutoIncrementId(db, s.createTable('instances'))
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('display_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('display_description', 'varchar(255)')
    .addColumn('hostname', 'varchar(255)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)')
    .addColumn('node', 'varchar(255)')
    .addColumn('availability_zone', 'varchar(255)')
    .addColumn('vm_state', 'varchar(32)', (c) => c.notNull())
    .addColumn('task_state', 'varchar(64)')
    .addColumn('power_state', 'integer', (c) => c.notNull())
    // The flavor as it was at boot (JSON), so later flavor changes do not alter the instance.
    .addColumn('flavor', 'text', (c) => c.notNull())
    // The flavor's sizes again as columns, so quota usage is a SUM, not a JSON walk.
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('image_ref', 'varchar(255)')
    .addColumn('key_name', 'varchar(255)')
    .addColumn('key_data', 'text')
    .addColumn('user_data', 'text')
    .addColumn('config_drive', 'integer', (c) => c.notNull())
    .addColumn('access_ip_v4', 'varchar(64)')
    .addColumn('access_ip_v6', 'varchar(64)')
    .addColumn('locked_by', 'varchar(16)')
    .addColumn('reservation_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('launch_index', 'integer', (c) => c.notNull())
    .addColumn('launched_at', 'varchar(32)')
    .addColumn('terminated_at', 'varchar(32)')
    .addColumn('progress', 'integer', (c) => c.notNull())
    .addColumn('root_device_name', 'varchar(255)')
    /** JSON: security group names requested, requested networks, the port/address cache, system metadata, hints. */
    .addColumn('security_groups', 'text', (c) => c.notNull())
    .addColumn('requested_networks', 'text', (c) => c.notNull())
    .addColumn('network_info', 'text', (c) => c.notNull())
    .addColumn('system_metadata', 'text', (c) => c.notNull())
    .addColumn('scheduler_hints', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .addColumn('deleted_at', 'varchar(32)')
    .execute();
  await s.createIndex('instances_project').on('instances').columns(['project_id', 'deleted_at']).execute();
  await s.createIndex('instances_host').on('instances').column('host').execute();
  await s.createIndex('instances_reservation').on('instances').column('reservation_id').execute();

  await s.createTable('instance_metadata')
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull().references('instances.uuid'))
    .addColumn('key', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('instance_metadata_pk', ['instance_uuid', 'key'])
    .execute();
  await s.createTable('instance_tags')
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull().references('instances.uuid'))
    .addColumn('tag', 'varchar(80)', (c) => c.notNull())
    .addPrimaryKeyConstraint('instance_tags_pk', ['instance_uuid', 'tag'])
    .execute();
  await withAutoIncrementId(db, s.createTable('instance_faults'))
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull().references('instances.uuid'))
    .addColumn('code', 'integer', (c) => c.notNull())
    .addColumn('message', 'varchar(255)', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('host', 'varchar(255)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await s.createIndex('instance_faults_instance').on('instance_faults').column('instance_uuid').execute();
  await withAutoIncrementId(db, s.createTable('instance_actions'))
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull().references('instances.uuid'))
    .addColumn('action', 'varchar(255)', (c) => c.notNull())
    .addColumn('request_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('start_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('finish_time', 'varchar(32)')
    .addColumn('message', 'varchar(255)')
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await s.createIndex('instance_actions_instance').on('instance_actions').columns(['instance_uuid', 'request_id']).execute();
  await withAutoIncrementId(db, s.createTable('instance_action_events'))
    .addColumn('action_id', 'integer', (c) => c.notNull().references('instance_actions.id'))
    .addColumn('event', 'varchar(255)', (c) => c.notNull())
    .addColumn('start_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('finish_time', 'varchar(32)')
    .addColumn('result', 'varchar(255)')
    .addColumn('traceback', 'text')
    .addColumn('host', 'varchar(255)')
    .addColumn('details', 'text')
    .execute();
  await s.createIndex('instance_action_events_action').on('instance_action_events').column('action_id').execute();
}
