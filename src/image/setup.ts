import { migrateToLatest, openServiceDatabase, type ServiceDatabase } from '../core/db/index.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import { PolicyEnforcer } from '../core/policy/index.js';
import { imageMigrations } from './db/migrations/index.js';
import type { ImageTables } from './db/schema.js';
import type { ProjectLimits } from './domain/quotas.js';
import { metadefPolicies } from './metadefs/index.js';
import { imagePolicies } from './policies.js';
import { ImageService } from './service.js';
import type { ImageSettings } from './settings.js';
import { FilesystemStore } from './store/filesystem.js';

export interface ImageDeps {
  connection: string;
  /** Schema (PostgreSQL) / database suffix (MariaDB) / file name (SQLite); default "image". */
  schema?: string;
  settings: ImageSettings;
  limits: ProjectLimits;
  policyFile?: string;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
}

/**
 * Opens the image service's database, brings its schema up to date, prepares the
 * stores and wires the service. Every process kind that hosts the image API starts here.
 */
export async function openImage(deps: ImageDeps): Promise<{ svc: ImageService; database: ServiceDatabase<ImageTables> }> {
  const database = await openServiceDatabase<ImageTables>(deps.connection, 'image', deps.schema ? { name: deps.schema } : {});
  try {
    await migrateToLatest(database.db as never, imageMigrations, 'image', database.migrationOptions);
    const store = new FilesystemStore('file', deps.settings.dataDir);
    const staging = new FilesystemStore('os_glance_staging_store', deps.settings.stagingDir);
    await Promise.all([store.init(), staging.init()]);
    const policy = new PolicyEnforcer({ defaults: [...imagePolicies, ...metadefPolicies], ...(deps.policyFile ? { overrideFile: deps.policyFile } : {}) });
    const svc = new ImageService(database.db, deps.settings, policy, store, staging, deps.limits, deps.clock, deps.ids, deps.log);
    return { svc, database };
  } catch (e) {
    await database.close();
    throw e;
  }
}
