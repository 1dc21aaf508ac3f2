import type { MigrationSet } from '../../../core/db/index.js';
import * as initial from './0001_initial.js';
import * as catalogExtras from './0002_catalog_extras.js';
import * as trustsOauth from './0003_trusts_oauth.js';

/** Identity migrations in the order they apply. */
export const identityMigrations: MigrationSet = {
  '0001_initial': initial,
  '0002_catalog_extras': catalogExtras,
  '0003_trusts_oauth': trustsOauth,
};
