import type { preHandlerAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { IdGenerator } from '../../core/ids.js';
import type { PolicyEnforcer } from '../../core/policy/index.js';
import type { MetadefTables } from './schema.js';

/** What the metadefs API needs from the image service that hosts it. */
export interface MetadefDeps {
  /** The image service's database, migrated to include the metadef tables. */
  db: Kysely<MetadefTables>;
  /** Has metadefPolicies and the image service's `context_is_admin` registered. */
  policy: PolicyEnforcer;
  clock: Clock;
  /** Unused by the catalogue itself (names are its identity); kept for the shared wiring. */
  ids: IdGenerator;
  /** Requires a token and sets request.authContext; spread into every route's options. */
  guard: { preHandler: preHandlerAsyncHookHandler };
}
