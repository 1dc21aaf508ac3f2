import { migrateToLatest, openServiceDatabase, type ServiceDatabase } from '../core/db/index.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import { PolicyEnforcer } from '../core/policy/index.js';
import { computeMigrations } from './db/migrations/index.js';
import type { ComputeTables } from './db/schema.js';
import { computePolicies } from './policies.js';
import { ComputeService } from './service.js';
import type { ComputeSettings } from './settings.js';
import type { PlacementClient } from '../placement/contract/client.js';

export interface ComputeDeps {
  connection: string;
  schema?: string;
  settings: ComputeSettings;
  placement: PlacementClient;
  policyFile?: string;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
}

/** Opens the compute database, brings it up to date and wires the service. */
export async function openCompute(deps: ComputeDeps): Promise<{ svc: ComputeService; database: ServiceDatabase<ComputeTables> }> {
  const database = await openServiceDatabase<ComputeTables>(deps.connection, 'compute', deps.schema ? { name: deps.schema } : {});
  try {
    await migrateToLatest(database.db as never, computeMigrations, 'compute', database.migrationOptions);
    const policy = new PolicyEnforcer({ defaults: computePolicies, ...(deps.policyFile ? { overrideFile: deps.policyFile } : {}) });
    return { svc: new ComputeService(database.db, deps.settings, deps.placement, policy, deps.clock, deps.ids, deps.log), database };
  } catch (e) {
    await database.close();
    throw e;
  }
}
