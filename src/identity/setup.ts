import { initialize as initializeKeys } from './tokens/index.js';
import { migrateToLatest, openServiceDatabase, type ServiceDatabase } from '../core/db/index.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import { PolicyEnforcer } from '../core/policy/index.js';
import { bootstrapIdentity, type BootstrapOptions } from './bootstrap.js';
import { identityMigrations } from './store/migrations/index.js';
import type { IdentityTables } from './store/schema.js';
import { identityPolicies } from './policies.js';
import { IdentityService } from './service.js';
import type { IdentitySettings } from './settings.js';

export interface IdentityDeps {
  connection: string;
  /** Schema (PostgreSQL) / database suffix (MariaDB) / file name (SQLite); default "identity". */
  schema?: string;
  settings: IdentitySettings;
  policyFile?: string;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
}

/**
 * Opens identity's database, brings its schema up to date, makes sure Fernet keys
 * exist and wires the service. Every process kind that hosts identity starts here.
 */
export async function openIdentity(deps: IdentityDeps): Promise<{ svc: IdentityService; database: ServiceDatabase<IdentityTables> }> {
  const database = await openServiceDatabase<IdentityTables>(deps.connection, 'identity', deps.schema ? { name: deps.schema } : {});
  try {
    await migrateToLatest(database.db as never, identityMigrations, 'identity', database.migrationOptions);
    initializeKeys(deps.settings.fernetKeyRepository);
    const policy = new PolicyEnforcer({ defaults: identityPolicies, ...(deps.policyFile ? { overrideFile: deps.policyFile } : {}) });
    const svc = new IdentityService(database.db, deps.settings, policy, deps.clock, deps.ids, deps.log);
    return { svc, database };
  } catch (e) {
    await database.close();
    throw e;
  }
}

export async function bootstrap(svc: IdentityService, options: BootstrapOptions): Promise<void> {
  await bootstrapIdentity(svc.db, svc.hasher, svc.clock, svc.ids, options);
  svc.changed();
}
