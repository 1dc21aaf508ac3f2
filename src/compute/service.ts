import type { Kysely } from 'kysely';
import type { MessageBus } from '../core/bus/index.js';
import { KeyedLock } from '../core/concurrency/keyed-lock.js';
import { policyCredentials, type RequestContext } from '../core/auth/index.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import type { PolicyEnforcer } from '../core/policy/index.js';
import type { ComputeTables } from './db/schema.js';
import { policyDenied } from './errors.js';
import type { ComputeSettings } from './settings.js';
import type { PlacementClient } from '../placement/contract/client.js';
import type { ImageClient } from '../image/contract/client.js';
import type { NetworkClient } from '../network/contract/client.js';

/** Clients of the other services with a given user's token. */
export interface UserClients {
  network(token: string): NetworkClient;
  image(token: string): ImageClient;
}

/** Everything the compute API and its domain logic share, wired once by setup. */
export class ComputeService {
  /** Serialises count-then-create of instances per project inside this process (see domain/quotas). */
  readonly quotaLocks = new KeyedLock();
  /** Serialises read-modify-write of one instance's JSON columns (its network cache) inside this process. */
  readonly instanceLocks = new KeyedLock();
  private connectedBus: MessageBus | null = null;

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

  private connectedClients: UserClients | null = null;

  /** The bus to the conductor and agents, and the other services' clients; set once by the process that hosts the API. */
  connect(bus: MessageBus, clients: UserClients): void {
    this.connectedBus = bus;
    this.connectedClients = clients;
  }

  /** Network and image clients acting with a caller's token (what the caller may see and use). */
  get clients(): UserClients {
    if (!this.connectedClients) throw new Error('compute service has no service clients');
    return this.connectedClients;
  }

  get bus(): MessageBus {
    if (!this.connectedBus) throw new Error('compute service is not connected to a message bus');
    return this.connectedBus;
  }

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
