import type { MigrationSet } from '../../../core/db/index.js';
import * as placement from './0001_placement.js';

/** Placement migrations in the order they apply. */
export const placementMigrations: MigrationSet = {
  '0001_placement': placement,
};
