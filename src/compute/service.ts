import type { Kysely } from 'kysely';
import { policyCredentials, type RequestContext } from '../core/auth/index.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import type { PolicyEnforcer } from '../core/policy/index.js';
import type { ComputeTables } from './db/schema.js';
import { policyDenied } from './errors.js';
import type { ComputeSettings } from './settings.js';
import type { PlacementClient } from '../placement/contract/client.js';

/** Everything the compute API and its domain logic share, wired once by setup. */
export class ComputeService {
  constructor(
    readonly db: Kysely<ComputeTables>,
    readonly settings: ComputeSettings,
    /** Placement, in-process or over HTTP: compute node inventories, scheduling candidates, claims. */
    readonly placement: PlacementClient,
    readonly policy: PolicyEnforcer,
    readonly clock: Clock,
    readonly ids: IdGenerator,
    readonly log: Logger,
  ) {}

  now(): string {
    return this.clock.now().toISOString();
  }

  /** Nova's credentials: is_admin follows the admin role (oslo.context's context_is_admin). */
  creds(ctx: RequestContext): Record<string, unknown> {
    return { ...policyCredentials(ctx), is_admin: this.policy.check('context_is_admin', {}, policyCredentials(ctx)) };
  }

  isAdmin(ctx: RequestContext): boolean {
    return this.creds(ctx).is_admin === true;
  }

  allowed(ctx: RequestContext, action: string, target: Record<string, unknown> = {}): boolean {
    const creds = this.creds(ctx);
    return this.policy.check(action, { project_id: ctx.projectId, user_id: ctx.userId, ...target }, creds);
  }

  /** Raises Nova's 403 unless the caller may perform `action` on `target` (default: their own project and user). */
  authorize(ctx: RequestContext, action: string, target: Record<string, unknown> = {}): void {
    if (!this.allowed(ctx, action, target)) throw policyDenied(action);
  }
}
