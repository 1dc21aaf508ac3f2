import type { Kysely } from 'kysely';
import type { ComputeEventSink } from './contract/compute-events.js';
import { policyCredentials, type RequestContext } from '../core/auth/index.js';
import type { Clock } from '../core/clock.js';
import { KeyedLock } from '../core/concurrency/keyed-lock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import type { PolicyEnforcer } from '../core/policy/index.js';
import type { NetworkTables } from './db/schema.js';
import { policyNotAuthorized } from './errors.js';
import { AgentNotifier } from './rpc/agent-notifier.js';
import { AddressBook } from './domain/address-book.js';
import type { NetworkSettings } from './settings.js';

/** Everything the network API and its domain logic share, wired once by setup. */
export class NetworkService {
  /**
   * Serialises IP allocation and subnet changes per network inside this process, so
   * parallel requests do not all race for the same first free address; the unique
   * indexes still decide between processes.
   */
  readonly networkLocks = new KeyedLock();
  /** Serialises count-then-create per project and resource (see domain/quotas). */
  readonly quotaLocks = new KeyedLock();
  /** Used addresses per subnet, a hint for first-free allocation (see domain/address-book). */
  readonly addressBook = new AddressBook();
  /** Port and group notices to the network agents (silent until a bus is connected). */
  readonly notifier: AgentNotifier;
  /** Where port plug events go (Neutron's nova notifier); null without a compute service. */
  computeEvents: ComputeEventSink | null = null;

  constructor(
    readonly db: Kysely<NetworkTables>,
    readonly settings: NetworkSettings,
    readonly policy: PolicyEnforcer,
    readonly clock: Clock,
    readonly ids: IdGenerator,
    readonly log: Logger,
  ) {
    this.notifier = new AgentNotifier(log);
  }

  /** Neutron's policy credentials: tenant_id is the caller's project. */
  creds(ctx: RequestContext): Record<string, unknown> {
    return { ...policyCredentials(ctx), tenant_id: ctx.projectId ?? null };
  }

  isAdmin(ctx: RequestContext): boolean {
    return this.policy.check('context_is_admin', {}, this.creds(ctx));
  }

  allowed(ctx: RequestContext, action: string, target: Record<string, unknown>): boolean {
    return this.policy.check(action, target, this.creds(ctx));
  }

  authorize(ctx: RequestContext, action: string, target: Record<string, unknown>): void {
    if (!this.allowed(ctx, action, target)) throw policyNotAuthorized(action);
  }
}
