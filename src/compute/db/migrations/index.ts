import type { MigrationSet } from '../../../core/db/index.js';
import * as flavorsKeypairs from './0001_flavors_keypairs.js';
import * as servicesNodes from './0002_services_nodes.js';
import * as instances from './0003_instances.js';
import * as quotas from './0004_quotas.js';
import * as groupsAggregates from './0005_groups_aggregates.js';
import * as migrationsConsoles from './0006_migrations_consoles.js';

/** Compute migrations in the order they apply. */
export const computeMigrations: MigrationSet = {
  '0001_flavors_keypairs': flavorsKeypairs,
  '0002_services_nodes': servicesNodes,
  '0003_instances': instances,
  '0004_quotas': quotas,
  '0005_groups_aggregates': groupsAggregates,
  '0006_migrations_consoles': migrationsConsoles,
};
