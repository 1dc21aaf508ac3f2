/**
 * Who is calling: the result of validating an X-Auth-Token, shared by every service.
 * Mirrors oslo.context's RequestContext fields that policy rules refer to.
 */
export interface RequestContext {
  /** Token the caller presented (kept to call other services on its behalf). */
  readonly token: string;
  readonly userId: string;
  readonly userName: string;
  readonly userDomainId: string;
  readonly userDomainName: string;
  /** Set when the token is project scoped. */
  readonly projectId?: string;
  readonly projectName?: string;
  readonly projectDomainId?: string;
  readonly projectDomainName?: string;
  /** Set when the token is domain scoped. */
  readonly domainId?: string;
  readonly domainName?: string;
  /** "all" when the token is system scoped. */
  readonly system?: 'all';
  /** Effective role names, implied roles already expanded, lower case. */
  readonly roles: readonly string[];
  readonly roleIds: readonly string[];
  readonly expiresAt: Date;
  readonly auditIds: readonly string[];
  readonly methods: readonly string[];
  /** Set when the token was obtained with an application credential. */
  readonly applicationCredentialId?: string;
  readonly requestId: string;
}

/**
 * The flat credential dictionary policy rules are evaluated against
 * (the names oslo.policy users write in rules: role, user_id, project_id, ...).
 */
export function policyCredentials(ctx: RequestContext): Record<string, unknown> {
  return {
    user_id: ctx.userId,
    user_domain_id: ctx.userDomainId,
    project_id: ctx.projectId ?? null,
    project_domain_id: ctx.projectDomainId ?? null,
    domain_id: ctx.domainId ?? null,
    system_scope: ctx.system ?? null,
    roles: ctx.roles,
    is_admin: false,
    is_admin_project: true,
  };
}
