import { migrateToLatest, openServiceDatabase, type ServiceDatabase } from '../core/db/index.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import { PolicyEnforcer } from '../core/policy/index.js';
import { placementMigrations } from './db/migrations/index.js';
import type { PlacementTables } from './db/schema.js';
import { placementPolicies } from './policies.js';
import { PlacementService } from './service.js';

export interface PlacementDeps {
  connection: string;
  schema?: string;
  policyFile?: string;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
}

/** Opens the placement database, brings it up to date and wires the service. */
export async function openPlacement(deps: PlacementDeps): Promise<{ svc: PlacementService; database: ServiceDatabase<PlacementTables> }> {
  const database = await openServiceDatabase<PlacementTables>(deps.connection, 'placement', deps.schema ? { name: deps.schema } : {});
  try {
    await migrateToLatest(database.db as never, placementMigrations, 'placement', database.migrationOptions);
    const policy = new PolicyEnforcer({ defaults: placementPolicies, ...(deps.policyFile ? { overrideFile: deps.policyFile } : {}) });
    return { svc: new PlacementService(database.db, policy, deps.clock, deps.ids, deps.log), database };
  } catch (e) {
    await database.close();
    throw e;
  }
}
