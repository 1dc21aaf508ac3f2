import type { Kysely } from 'kysely';

/** Routers, floating IPs, per-project quota limits and the dataplane agents. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.createTable('routers')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    // The gateway port on the external network (null without a gateway).
    .addColumn('gw_port_id', 'varchar(36)', (c) => c.references('ports.id'))
    .addColumn('enable_snat', 'integer', (c) => c.notNull())
    /** JSON [{destination, nexthop}]. */
    .addColumn('routes', 'text', (c) => c.notNull())
    .addColumn('availability_zone_hints', 'varchar(1024)', (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await s.createIndex('routers_project').on('routers').column('project_id').execute();
  // Quota usage counts by project.
  await s.createIndex('ports_project').on('ports').column('project_id').execute();
  await s.createIndex('subnets_project').on('subnets').column('project_id').execute();
  await s.createIndex('security_group_rules_project').on('security_group_rules').column('project_id').execute();

  await s.createTable('floating_ips')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('floating_network_id', 'varchar(36)', (c) => c.notNull())
    // The address lives on this port (device_owner network:floatingip), so IPAM guards it.
    .addColumn('floating_port_id', 'varchar(36)', (c) => c.notNull().references('ports.id'))
    .addColumn('floating_ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('fixed_port_id', 'varchar(36)', (c) => c.references('ports.id'))
    .addColumn('fixed_ip_address', 'varchar(64)')
    .addColumn('router_id', 'varchar(36)', (c) => c.references('routers.id'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)', (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await s.createIndex('floating_ips_project').on('floating_ips').column('project_id').execute();
  await s.createIndex('floating_ips_router').on('floating_ips').column('router_id').execute();
  // One floating IP per fixed address of a port.
  await s.createIndex('floating_ips_fixed').on('floating_ips').columns(['fixed_port_id', 'fixed_ip_address']).unique().execute();

  await s.createTable('quotas')
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(64)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('quotas_pk', ['project_id', 'resource'])
    .execute();

  await s.createTable('agents')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('agent_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('binary', 'varchar(255)', (c) => c.notNull())
    .addColumn('topic', 'varchar(255)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('availability_zone', 'varchar(255)')
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('description', 'varchar(255)')
    /** JSON object the agent reports about itself. */
    .addColumn('configurations', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('heartbeat_timestamp', 'varchar(32)', (c) => c.notNull())
    .execute();
  // One agent of a type per host: a heartbeat updates it, a restart does not duplicate it.
  await s.createIndex('agents_type_host').on('agents').columns(['agent_type', 'host']).unique().execute();
}
