import { randomBytes } from 'node:crypto';
import { NotFoundError, UnauthorizedError } from '../../core/http/index.js';
import type { Clock } from '../../core/clock.js';
import type { IdentityDb } from '../store/db.js';
import { toBool } from '../store/db.js';
import { getDomainRow, getProjectRow } from '../store/projects.js';
import { currentPassword, getUserRow } from '../store/users.js';
import { InvalidTokenError, type NewTokenPayload, type TokenFormatter, type TokenPayload } from '../tokens/index.js';
import { getAppCredRow, appCredRoleIds } from '../store/app-creds.js';
import { consumeTrustUse } from '../store/trusts.js';
import type { UserRow } from '../store/users.js';
import { activeTrust, trustTokenRoles } from './trust-roles.js';
import { getAccessToken } from '../store/oauth1-tokens.js';
import { oauthTokenRoles } from './oauth1-roles.js';
import { effectiveRoles, type Scope } from './effective-roles.js';
import type { RevocationList } from './revocation-list.js';
import type { TokenData } from './token-data.js';

/** Who authenticated and how; the input to issuing a token. */
export interface AuthResult {
  userId: string;
  methods: string[];
  /** Set when re-scoping an existing token: the new token keeps its expiry and audit chain. */
  parent?: TokenData;
  applicationCredentialId?: string;
  /** Requested expiry cap (application credentials or trusts that expire sooner). */
  expiresAt?: Date;
  /** Set for a trust-scoped token (`OS-TRUST:trust` scope); the user is the trustee. */
  trustId?: string;
  /** Set for an OS-OAUTH1 token: the access token the signed request presented. */
  accessTokenId?: string;
}

/** Keystone's [token] allow_expired_window default: how long `?allow_expired=1` reaches back. */
const ALLOW_EXPIRED_WINDOW_MS = 48 * 3600 * 1000;

export const newAuditId = (): string => randomBytes(16).toString('base64url');

/** Longest time a memoised validation is trusted without looking at the database. */
const MEMO_TTL_MS = 2000;

/**
 * Issues Fernet tokens and turns them back into TokenData. Nothing but the key ring is
 * persisted: roles, names and enabled flags are read at validation time, so disabling
 * a user or removing a grant takes effect on existing tokens at once. Validations are
 * memoised until identity's data changes (`invalidate`) to keep the hot path cheap,
 * and for at most MEMO_TTL_MS, so changes made by another identity process sharing the
 * database (split deployments) reach this one within that time too.
 */
export class TokenService {
  private readonly cache = new Map<string, { data: TokenData; until: number }>();

  constructor(
    private readonly db: IdentityDb,
    private readonly formatter: TokenFormatter,
    private readonly revocations: RevocationList,
    private readonly clock: Clock,
    private readonly lifetimeSeconds: number,
  ) {}

  /** Forget every memoised validation; called after any change to identity's data. */
  invalidate(): void {
    this.cache.clear();
  }

  async issue(auth: AuthResult, scope: Scope): Promise<{ token: string; data: TokenData }> {
    const now = this.clock.now();
    let expiresAt = auth.parent?.expiresAt ?? new Date(now.getTime() + this.lifetimeSeconds * 1000);
    if (auth.expiresAt && auth.expiresAt < expiresAt) expiresAt = auth.expiresAt;
    const parentAudit = auth.parent?.auditIds;
    const auditIds = parentAudit ? [newAuditId(), parentAudit[parentAudit.length - 1] as string] : [newAuditId()];
    const payload: NewTokenPayload = {
      userId: auth.userId,
      methods: auth.methods,
      scope: scope.type === 'project' ? { type: 'project', projectId: scope.projectId }
        : scope.type === 'domain' ? { type: 'domain', domainId: scope.domainId }
          : scope.type === 'system' ? { type: 'system' } : { type: 'unscoped' },
      expiresAt,
      auditIds,
      ...(auth.applicationCredentialId ? { appCredId: auth.applicationCredentialId } : {}),
      ...(auth.trustId ? { trustId: auth.trustId } : {}),
      ...(auth.accessTokenId ? { accessTokenId: auth.accessTokenId } : {}),
    };
    const token = this.formatter.create(payload);
    try {
      // Keystone does not check revocation events for a token it is issuing: one made in
      // the same wall-clock second as a revocation would otherwise be refused at birth.
      const data = await this.resolve(this.formatter.validate(token), { checkRevocation: false });
      // As in Keystone, a use of a limited trust is taken only once the token is good.
      if (auth.trustId && !(await consumeTrustUse(this.db, auth.trustId))) throw invalid();
      return { token, data };
    } catch (e) {
      if (e instanceof InvalidTokenReason) throw new UnauthorizedError('The request you have made requires authentication.');
      throw e;
    }
  }

  /**
   * Validates a token someone presented. Throws UnauthorizedError for the caller's own
   * token (X-Auth-Token) and NotFoundError for a subject token (X-Subject-Token), the
   * statuses Keystone uses.
   */
  async validate(token: string, role: 'caller' | 'subject' = 'caller', options: { allowExpired?: boolean } = {}): Promise<TokenData> {
    const graceMs = options.allowExpired ? ALLOW_EXPIRED_WINDOW_MS : 0;
    try {
      const now = this.clock.now().getTime();
      const hit = this.cache.get(token);
      if (hit && hit.until > now && hit.data.expiresAt.getTime() + graceMs > now) return hit.data;
      let payload: TokenPayload;
      try {
        payload = this.formatter.validate(token, graceMs);
      } catch (e) {
        if (e instanceof InvalidTokenError) throw invalid();
        throw e;
      }
      const data = await this.resolve(payload);
      if (this.cache.size > 50_000) this.cache.clear();
      this.cache.set(token, { data, until: now + MEMO_TTL_MS });
      return data;
    } catch (e) {
      if (e instanceof InvalidTokenReason) {
        throw role === 'caller' ? new UnauthorizedError('The request you have made requires authentication.')
          : new NotFoundError(`Could not find token: ${token}.`);
      }
      throw e;
    }
  }

  /** Revokes one token (DELETE /v3/auth/tokens). */
  async revoke(data: TokenData): Promise<void> {
    await this.revocations.revoke({ audit_id: data.auditIds[0] as string });
    this.invalidate();
  }

  private async resolve(p: TokenPayload, opts: { checkRevocation: boolean } = { checkRevocation: true }): Promise<TokenData> {
    const user = await getUserRow(this.db, p.userId);
    if (!user) throw invalid();
    const data: TokenData = {
      user: await this.userView(user),
      methods: p.methods,
      auditIds: p.auditIds,
      issuedAt: p.issuedAt,
      expiresAt: p.expiresAt,
      scope: p.scope.type === 'project' ? { type: 'project', projectId: p.scope.projectId }
        : p.scope.type === 'domain' ? { type: 'domain', domainId: p.scope.domainId }
          : p.scope.type === 'system' ? { type: 'system' } : { type: 'unscoped' },
      roles: [],
    };
    let scopeDomainId: string | undefined;
    if (data.scope.type === 'project') {
      const project = await getProjectRow(this.db, data.scope.projectId);
      if (!project || project.is_domain === 1 || !toBool(project.enabled)) throw invalid();
      const domain = await getDomainRow(this.db, project.domain_id);
      if (!domain || !toBool(domain.enabled)) throw invalid();
      data.project = { id: project.id, name: project.name, domainId: domain.id, domainName: domain.name };
      scopeDomainId = domain.id;
    } else if (data.scope.type === 'domain') {
      const domain = await getDomainRow(this.db, data.scope.domainId);
      if (!domain || !toBool(domain.enabled)) throw invalid();
      data.domain = { id: domain.id, name: domain.name };
      scopeDomainId = domain.id;
    }
    let roles = p.trustId ? [] : await effectiveRoles(this.db, user.id, data.scope);
    let trustorId: string | undefined;
    if (p.trustId) {
      const trust = await activeTrust(this.db, p.trustId, this.clock.now());
      if (!trust || trust.trustee_user_id !== user.id || trust.project_id !== data.project?.id) throw invalid();
      const trustor = await getUserRow(this.db, trust.trustor_user_id);
      if (!trustor) throw invalid();
      roles = (await trustTokenRoles(this.db, trust)) ?? [];
      trustorId = trustor.id;
      data.trust = { id: trust.id, impersonation: toBool(trust.impersonation), trusteeUserId: user.id, trustor: await this.userView(trustor) };
    }
    if (p.appCredId) {
      const cred = await getAppCredRow(this.db, p.appCredId);
      if (!cred) throw invalid();
      const allowed = new Set(await appCredRoleIds(this.db, cred.id));
      roles = roles.filter((r) => allowed.has(r.id));
      data.applicationCredential = { id: cred.id, name: cred.name, restricted: !toBool(cred.unrestricted) };
    }
    if (p.accessTokenId) {
      const access = await getAccessToken(this.db, p.accessTokenId);
      // A deleted access token (or consumer, which takes its tokens along) ends the token.
      if (!access || access.authorizing_user_id !== user.id || access.project_id !== data.project?.id) throw invalid();
      roles = await oauthTokenRoles(this.db, access, roles);
      data.oauth = { accessTokenId: access.id, consumerId: access.consumer_id };
    }
    if (data.scope.type !== 'unscoped' && roles.length === 0) throw invalid();
    data.roles = roles.map((r) => ({ id: r.id, name: r.name })).sort((a, b) => a.name.localeCompare(b.name));
    // A revocation naming the trustor also reaches tokens made from the trust.
    if (!opts.checkRevocation) return data;
    for (const [userId, userDomainId] of [[user.id, user.domain_id], ...(trustorId && data.trust ? [[trustorId, data.trust.trustor.domainId]] : [])] as Array<[string, string]>) {
      const revoked = await this.revocations.isRevoked({
        userId, userDomainId, roleIds: roles.map((r) => r.id),
        auditId: p.auditIds[0] ?? '', auditChainId: p.auditIds[p.auditIds.length - 1] ?? '', issuedAt: p.issuedAt,
        ...(data.project ? { projectId: data.project.id } : {}), ...(scopeDomainId ? { scopeDomainId } : {}),
      });
      if (revoked) throw invalid();
    }
    return data;
  }

  /** The token's view of a user; a disabled user or domain makes the token invalid. */
  private async userView(user: UserRow): Promise<TokenData['user']> {
    if (!toBool(user.enabled)) throw invalid();
    const domain = await getDomainRow(this.db, user.domain_id);
    if (!domain || !toBool(domain.enabled)) throw invalid();
    const password = await currentPassword(this.db, user.id);
    return { id: user.id, name: user.name, domainId: domain.id, domainName: domain.name, passwordExpiresAt: password?.expires_at ? tokenishTime(password.expires_at) : null };
  }
}

/** Internal marker: the token is not (or no longer) valid, for whatever reason. */
class InvalidTokenReason extends Error {}
const invalid = (): InvalidTokenReason => new InvalidTokenReason('invalid token');

/** Stored ISO times have milliseconds; Keystone shows password expiry with micros. */
const tokenishTime = (iso: string): string => iso.replace(/\.(\d{3})Z$/, '.$1000').replace(/(:\d\d)Z$/, '$1.000000');
