import type { MigrationSet } from '../../../core/db/index.js';
import * as initial from './0001_initial.js';
import * as metadefs from '../../metadefs/migration.js';

/** Image migrations in the order they apply. Metadefs register theirs after these. */
export const imageMigrations: MigrationSet = {
  '0001_initial': initial,
  '0002_metadefs': metadefs,
};
