import type { MigrationSet } from '../../../core/db/index.js';
import * as initial from './0001_initial.js';
import * as catalogExtras from './0002_catalog_extras.js';
import * as trustsOauth from './0003_trusts_oauth.js';
import * as portableStrings from './0004_portable_strings.js';
import * as unifiedLimits from './0005_unified_limits.js';
import * as oauth1Tokens from './0006_oauth1_tokens.js';

/** Identity migrations in the order they apply. */
export const identityMigrations: MigrationSet = {
  '0001_initial': initial,
  '0002_catalog_extras': catalogExtras,
  '0003_trusts_oauth': trustsOauth,
  '0004_portable_strings': portableStrings,
  '0005_unified_limits': unifiedLimits,
  '0006_oauth1_tokens': oauth1Tokens,
};
