import type { Kysely } from 'kysely';

/** Providers with their inventories, traits and aggregates; consumers and their allocations. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.createTable('resource_providers')
    .addColumn('uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('parent_uuid', 'varchar(36)', (c) => c.references('resource_providers.uuid'))
    .addColumn('root_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await s.createIndex('resource_providers_root').on('resource_providers').column('root_uuid').execute();
  await s.createIndex('resource_providers_parent').on('resource_providers').column('parent_uuid').execute();

  await s.createTable('inventories')
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('resource_providers.uuid'))
    .addColumn('resource_class', 'varchar(255)', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('reserved', 'integer', (c) => c.notNull())
    .addColumn('min_unit', 'integer', (c) => c.notNull())
    .addColumn('max_unit', 'integer', (c) => c.notNull())
    .addColumn('step_size', 'integer', (c) => c.notNull())
    .addColumn('allocation_ratio', 'real', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('inventories_pk', ['provider_uuid', 'resource_class'])
    .execute();
  // "Which providers have VCPU" is the first question of every allocation candidates query.
  await s.createIndex('inventories_class').on('inventories').column('resource_class').execute();

  await s.createTable('resource_classes')
    .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await s.createTable('traits')
    .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await s.createTable('provider_traits')
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('resource_providers.uuid'))
    .addColumn('trait', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('provider_traits_pk', ['provider_uuid', 'trait'])
    .execute();
  await s.createIndex('provider_traits_trait').on('provider_traits').column('trait').execute();
  await s.createTable('provider_aggregates')
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('resource_providers.uuid'))
    .addColumn('aggregate_uuid', 'varchar(36)', (c) => c.notNull())
    .addPrimaryKeyConstraint('provider_aggregates_pk', ['provider_uuid', 'aggregate_uuid'])
    .execute();
  await s.createIndex('provider_aggregates_aggregate').on('provider_aggregates').column('aggregate_uuid').execute();

  await s.createTable('consumers')
    .addColumn('uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('consumer_type', 'varchar(255)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await s.createIndex('consumers_project_user').on('consumers').columns(['project_id', 'user_id']).execute();
  await s.createTable('allocations')
    .addColumn('consumer_uuid', 'varchar(36)', (c) => c.notNull().references('consumers.uuid'))
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('resource_providers.uuid'))
    .addColumn('resource_class', 'varchar(255)', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('allocations_pk', ['consumer_uuid', 'provider_uuid', 'resource_class'])
    .execute();
  // Usage per provider and class is summed on every capacity check.
  await s.createIndex('allocations_provider').on('allocations').columns(['provider_uuid', 'resource_class']).execute();
}
