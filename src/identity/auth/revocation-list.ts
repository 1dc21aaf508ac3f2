import type { Queryable } from '../store/db.js';
import { insertRevocation, pruneRevocations, revocationsSince, type NewRevocation, type RevocationRow } from '../store/revocations.js';

/** The fields of a token a revocation event can match, as Keystone's revoke model does. */
export interface RevocableToken {
  userId: string;
  userDomainId: string;
  projectId?: string;
  /** Domain of the scoped project, or the scoped domain. */
  scopeDomainId?: string;
  roleIds: readonly string[];
  auditId: string;
  auditChainId: string;
  issuedAt: Date;
}

export type RevocationEvent = Partial<Pick<NewRevocation, 'domain_id' | 'project_id' | 'user_id' | 'role_id' | 'audit_id' | 'audit_chain_id'>>;

/**
 * Revocation events in memory, mirrored from the database. New events written by any
 * process are picked up on the next check at most `refreshMs` later; events this process
 * writes apply at once.
 */
export class RevocationList {
  private events: RevocationRow[] = [];
  private lastId = 0;
  private checkedAt = -Infinity;

  constructor(
    private readonly db: Queryable,
    private readonly now: () => Date,
    private readonly maxTokenLifetimeMs: number,
    private readonly refreshMs = 1000,
  ) {}

  async revoke(event: RevocationEvent): Promise<void> {
    const now = this.now().toISOString();
    await insertRevocation(this.db, {
      domain_id: event.domain_id ?? null, project_id: event.project_id ?? null, user_id: event.user_id ?? null,
      role_id: event.role_id ?? null, audit_id: event.audit_id ?? null, audit_chain_id: event.audit_chain_id ?? null,
      issued_before: now, revoked_at: now,
    });
    await this.refresh(true);
  }

  async isRevoked(token: RevocableToken): Promise<boolean> {
    await this.refresh(false);
    const issued = token.issuedAt.toISOString();
    return this.events.some((e) => matches(e, token, issued));
  }

  /** All events, for GET /v3/OS-REVOKE/events. */
  async list(): Promise<readonly RevocationRow[]> {
    await this.refresh(true);
    return this.events;
  }

  private async refresh(force: boolean): Promise<void> {
    const nowMs = this.now().getTime();
    if (!force && nowMs - this.checkedAt < this.refreshMs) return;
    this.checkedAt = nowMs;
    const fresh = await revocationsSince(this.db, this.lastId);
    if (fresh.length > 0) {
      this.events.push(...fresh);
      this.lastId = fresh[fresh.length - 1]?.id ?? this.lastId;
    }
    const horizon = new Date(nowMs - this.maxTokenLifetimeMs - 60_000).toISOString();
    if (this.events.some((e) => e.revoked_at < horizon)) {
      this.events = this.events.filter((e) => e.revoked_at >= horizon);
      await pruneRevocations(this.db, horizon);
    }
  }
}

/** Every field set on the event must match the token, and the token must predate it. */
function matches(e: RevocationRow, t: RevocableToken, issuedAt: string): boolean {
  if (issuedAt > e.issued_before) return false;
  if (e.user_id !== null && e.user_id !== t.userId) return false;
  if (e.project_id !== null && e.project_id !== t.projectId) return false;
  if (e.domain_id !== null && e.domain_id !== t.userDomainId && e.domain_id !== t.scopeDomainId) return false;
  if (e.role_id !== null && !t.roleIds.includes(e.role_id)) return false;
  if (e.audit_id !== null && e.audit_id !== t.auditId) return false;
  if (e.audit_chain_id !== null && e.audit_chain_id !== t.auditChainId) return false;
  return true;
}
