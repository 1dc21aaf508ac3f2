import type { Kysely } from 'kysely';
import { KeyedLock } from '../core/concurrency/keyed-lock.js';
import { policyCredentials, type RequestContext } from '../core/auth/index.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import type { PolicyEnforcer } from '../core/policy/index.js';
import type { PlacementTables } from './db/schema.js';
import { PlacementError } from './errors.js';
import { NameCache } from './domain/name-cache.js';

/** Everything the placement API and its domain logic share, wired once by setup. */
export class PlacementService {
  /**
   * Allocation writes of this process one at a time: a claim is about a millisecond of
   * SQL, and queueing them avoids the generation races that would otherwise make
   * concurrent claims retry (and give up) while capacity remains. Writers in other
   * processes are still kept honest by the provider generations.
   */
  readonly allocationLock = new KeyedLock();
  /** Custom resource classes known to exist (a miss falls back to the database). */
  readonly customClasses: NameCache;
  /** Custom traits known to exist (a miss falls back to the database). */
  readonly customTraits: NameCache;

  constructor(
    readonly db: Kysely<PlacementTables>,
    readonly policy: PolicyEnforcer,
    readonly clock: Clock,
    readonly ids: IdGenerator,
    readonly log: Logger,
  ) {
    this.customClasses = new NameCache(async (names) =>
      (await db.selectFrom('resource_classes').select('name').where('name', 'in', names).execute()).map((r) => r.name));
    this.customTraits = new NameCache(async (names) =>
      (await db.selectFrom('traits').select('name').where('name', 'in', names).execute()).map((r) => r.name));
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  /** Raises Placement's 403 unless the caller may perform `action`. */
  authorize(ctx: RequestContext, action: string): void {
    if (!this.policy.check(action, {}, policyCredentials(ctx))) {
      throw new PlacementError(403, `Policy does not allow ${action} to be performed.`);
    }
  }
}
