import type { MigrationSet } from '../../../core/db/index.js';
import * as initial from './0001_initial.js';

/** Identity migrations in the order they apply. */
export const identityMigrations: MigrationSet = {
  '0001_initial': initial,
};
