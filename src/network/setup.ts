import { migrateToLatest, openServiceDatabase, type ServiceDatabase } from '../core/db/index.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import { PolicyEnforcer } from '../core/policy/index.js';
import { networkMigrations } from './db/migrations/index.js';
import type { NetworkTables } from './db/schema.js';
import { networkPolicies } from './policies.js';
import { NetworkService } from './service.js';
import type { NetworkSettings } from './settings.js';

export interface NetworkDeps {
  connection: string;
  schema?: string;
  settings: NetworkSettings;
  policyFile?: string;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
}

/** Opens the network service's database, brings it up to date and wires the service. */
export async function openNetwork(deps: NetworkDeps): Promise<{ svc: NetworkService; database: ServiceDatabase<NetworkTables> }> {
  const database = await openServiceDatabase<NetworkTables>(deps.connection, 'network', deps.schema ? { name: deps.schema } : {});
  try {
    await migrateToLatest(database.db as never, networkMigrations, 'network', database.migrationOptions);
    const policy = new PolicyEnforcer({ defaults: networkPolicies, ...(deps.policyFile ? { overrideFile: deps.policyFile } : {}) });
    return { svc: new NetworkService(database.db, deps.settings, policy, deps.clock, deps.ids, deps.log), database };
  } catch (e) {
    await database.close();
    throw e;
  }
}
