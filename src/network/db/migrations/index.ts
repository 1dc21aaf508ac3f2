import type { MigrationSet } from '../../../core/db/index.js';
import * as networks from './0001_networks.js';

/** Network migrations in the order they apply. */
export const networkMigrations: MigrationSet = {
  '0001_networks': networks,
};
