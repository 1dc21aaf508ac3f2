import type { Scope } from './effective-roles.js';

/** What a valid token says, resolved against the current state of identity. */
export interface TokenData {
  user: { id: string; name: string; domainId: string; domainName: string; passwordExpiresAt: string | null };
  methods: string[];
  auditIds: string[];
  issuedAt: Date;
  expiresAt: Date;
  scope: Scope;
  project?: { id: string; name: string; domainId: string; domainName: string };
  domain?: { id: string; name: string };
  roles: Array<{ id: string; name: string }>;
  applicationCredential?: { id: string; name: string; restricted: boolean };
  /**
   * Set on trust-scoped tokens. `user` above stays the trustee who authenticated (the
   * caller Keystone's own policy sees); the rendered body shows the trustor instead
   * when the trust impersonates.
   */
  trust?: { id: string; impersonation: boolean; trusteeUserId: string; trustor: TokenData['user'] };
  /** Set on OS-OAUTH1 tokens: the access token (still existing) and its consumer. */
  oauth?: { accessTokenId: string; consumerId: string };
}

/** Keystone prints token times with microseconds: 2026-01-01T00:00:00.000000Z. */
export const tokenTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** The `token` object of POST/GET /v3/auth/tokens. */
export function renderToken(data: TokenData, catalog: unknown[] | undefined): Record<string, unknown> {
  const shownUser = data.trust?.impersonation ? data.trust.trustor : data.user;
  const body: Record<string, unknown> = {
    methods: data.methods,
    user: {
      domain: { id: shownUser.domainId, name: shownUser.domainName },
      id: shownUser.id,
      name: shownUser.name,
      password_expires_at: shownUser.passwordExpiresAt,
    },
    audit_ids: data.auditIds,
    expires_at: tokenTime(data.expiresAt),
    issued_at: tokenTime(data.issuedAt),
  };
  if (data.project) {
    body['project'] = { domain: { id: data.project.domainId, name: data.project.domainName }, id: data.project.id, name: data.project.name };
    // Keystone renders trust-scoped tokens without is_domain.
    if (!data.trust) body['is_domain'] = false;
  }
  if (data.trust) {
    body['OS-TRUST:trust'] = {
      id: data.trust.id,
      trustor_user: { id: data.trust.trustor.id },
      trustee_user: { id: data.trust.trusteeUserId },
      impersonation: data.trust.impersonation,
    };
  }
  if (data.oauth) body['OS-OAUTH1'] = { access_token_id: data.oauth.accessTokenId, consumer_id: data.oauth.consumerId };
  if (data.domain) body['domain'] = { id: data.domain.id, name: data.domain.name };
  if (data.scope.type === 'system') body['system'] = { all: true };
  if (data.scope.type !== 'unscoped') body['roles'] = data.roles.map((r) => ({ id: r.id, name: r.name }));
  if (data.applicationCredential) body['application_credential'] = data.applicationCredential;
  if (catalog && data.scope.type !== 'unscoped') body['catalog'] = catalog;
  return body;
}
