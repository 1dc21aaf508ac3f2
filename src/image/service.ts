import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { KeyedLock } from '../core/concurrency/keyed-lock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import type { PolicyEnforcer } from '../core/policy/index.js';
import type { ImageTables } from './db/schema.js';
import type { ProjectLimits } from './domain/quotas.js';
import type { ImageSettings } from './settings.js';
import type { ImageDataStore } from './store/data-store.js';

/** Everything the image API and its domain logic share, wired once by setup. */
export class ImageService {
  /** Serialises each project's quota check with the write it guards. */
  readonly projectLock = new KeyedLock();
  /** Background imports in flight, so shutdown (drain) can wait for them. */
  readonly activeTransfers = new Set<Promise<unknown>>();

  constructor(
    readonly db: Kysely<ImageTables>,
    readonly settings: ImageSettings,
    readonly policy: PolicyEnforcer,
    /** The store new image data goes to (Glance's default backend). */
    readonly store: ImageDataStore,
    /** The staging area of interoperable import (os_glance_staging_store). */
    readonly staging: ImageDataStore,
    readonly limits: ProjectLimits,
    readonly clock: Clock,
    readonly ids: IdGenerator,
    readonly log: Logger,
  ) {}

  /** Stores by id, for reading data back from where an image says it lives. */
  storeById(id: string | null): ImageDataStore | undefined {
    if (id === this.store.id) return this.store;
    if (id === this.staging.id) return this.staging;
    return undefined;
  }

  /** Waits for background imports to finish (shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.activeTransfers]);
  }

  /** Tracks a background job (an import) so close() can wait for it. */
  track<T>(job: Promise<T>): Promise<T> {
    this.activeTransfers.add(job);
    void job.finally(() => this.activeTransfers.delete(job)).catch(() => {});
    return job;
  }
}
