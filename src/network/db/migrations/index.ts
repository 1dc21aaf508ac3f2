import type { MigrationSet } from '../../../core/db/index.js';
import * as networks from './0001_networks.js';
import * as subnetsPorts from './0002_subnets_ports.js';
import * as securityGroups from './0003_security_groups.js';
import * as routersQuotas from './0004_routers_quotas.js';
import * as subnetPools from './0005_subnet_pools.js';

/** Network migrations in the order they apply. */
export const networkMigrations: MigrationSet = {
  '0001_networks': networks,
  '0002_subnets_ports': subnetsPorts,
  '0003_security_groups': securityGroups,
  '0004_routers_quotas': routersQuotas,
  '0005_subnet_pools': subnetPools,
};
