/**
 * The identity service's tables as Kysely sees them. Booleans are stored as 0/1 and
 * timestamps as ISO-8601 strings so the same queries run on SQLite, PostgreSQL and
 * MariaDB; free-form attributes ("extra") are JSON text, as Keystone stores them.
 */
export interface ProjectTable {
  id: string;
  name: string;
  /** ROOT_DOMAIN for a domain (a domain is a project with is_domain = 1, as in Keystone). */
  domain_id: string;
  parent_id: string | null;
  is_domain: number;
  enabled: number;
  description: string | null;
  extra: string;
}

export interface ProjectTagTable {
  project_id: string;
  name: string;
}

export interface UserTable {
  id: string;
  name: string;
  domain_id: string;
  enabled: number;
  default_project_id: string | null;
  description: string | null;
  extra: string;
  options: string;
  created_at: string;
  last_active_at: string | null;
  failed_auth_count: number;
  failed_auth_at: string | null;
}

export interface PasswordTable {
  id: number | undefined;
  user_id: string;
  hash: string;
  created_at: string;
  expires_at: string | null;
  self_service: number;
}

export interface GroupTable {
  id: string;
  name: string;
  domain_id: string;
  description: string | null;
  extra: string;
}

export interface UserGroupTable {
  user_id: string;
  group_id: string;
}

export interface RoleTable {
  id: string;
  name: string;
  /** '<<null>>' for a global role, so (name, domain_id) can be unique on every engine. */
  domain_id: string;
  description: string | null;
  options: string;
  extra: string;
}

export interface ImpliedRoleTable {
  prior_role_id: string;
  implied_role_id: string;
}

export type AssignmentType = 'UserProject' | 'GroupProject' | 'UserDomain' | 'GroupDomain' | 'UserSystem' | 'GroupSystem';

export interface AssignmentTable {
  type: AssignmentType;
  actor_id: string;
  /** Project or domain id, or 'system' for system assignments. */
  target_id: string;
  role_id: string;
  inherited: number;
}

export interface RegionTable {
  id: string;
  description: string | null;
  parent_region_id: string | null;
  extra: string;
}

export interface ServiceTable {
  id: string;
  type: string;
  name: string | null;
  description: string | null;
  enabled: number;
  extra: string;
}

export interface EndpointTable {
  id: string;
  service_id: string;
  interface: string;
  url: string;
  region_id: string | null;
  enabled: number;
  extra: string;
}

export interface ApplicationCredentialTable {
  id: string;
  name: string;
  user_id: string;
  project_id: string | null;
  system: string | null;
  secret_hash: string;
  description: string | null;
  expires_at: string | null;
  unrestricted: number;
  created_at: string;
}

export interface ApplicationCredentialRoleTable {
  application_credential_id: string;
  role_id: string;
}

export interface AccessRuleTable {
  id: string;
  user_id: string;
  service: string;
  path: string;
  method: string;
}

export interface ApplicationCredentialAccessRuleTable {
  application_credential_id: string;
  access_rule_id: string;
}

export interface CredentialTable {
  id: string;
  user_id: string;
  project_id: string | null;
  type: string;
  blob: string;
  extra: string;
}

export interface RevocationEventTable {
  id: number | undefined;
  domain_id: string | null;
  project_id: string | null;
  user_id: string | null;
  role_id: string | null;
  audit_id: string | null;
  audit_chain_id: string | null;
  issued_before: string;
  revoked_at: string;
}

/** OS-TRUST: a trustor delegating roles on a project to a trustee. Soft-deleted, as in Keystone. */
export interface TrustTable {
  id: string;
  trustor_user_id: string;
  trustee_user_id: string;
  project_id: string | null;
  impersonation: number;
  /** Micro-precision ISO time (see timestamps.ts), or null for no expiry. */
  expires_at: string | null;
  remaining_uses: number | null;
  redelegated_trust_id: string | null;
  redelegation_count: number | null;
  deleted_at: string | null;
  extra: string;
}

export interface TrustRoleTable {
  trust_id: string;
  role_id: string;
}

/** OS-OAUTH1 consumers. */
export interface ConsumerTable {
  id: string;
  description: string | null;
  secret: string;
  extra: string;
}

/** OS-OAUTH1 request tokens: created by a consumer, authorized by a user, then exchanged. */
export interface RequestTokenTable {
  id: string;
  request_secret: string;
  verifier: string | null;
  authorizing_user_id: string | null;
  requested_project_id: string;
  /** JSON list of role ids, set on authorization. */
  role_ids: string | null;
  consumer_id: string;
  /** Keystone's isotime with microseconds, or null for no expiry. */
  expires_at: string | null;
}

/** OS-OAUTH1 access tokens: a user's delegation of roles on a project to a consumer. */
export interface AccessTokenTable {
  id: string;
  access_secret: string;
  authorizing_user_id: string;
  project_id: string;
  /** JSON list of role ids. */
  role_ids: string;
  consumer_id: string;
  expires_at: string | null;
}

/** /v3/policies: opaque policy blobs stored for other services (Keystone's Policies API). */
export interface PolicyTable {
  id: string;
  type: string;
  blob: string;
  extra: string;
}

/** OS-EP-FILTER endpoint groups; `filters` is JSON ({service_id?, region_id?, interface?}). */
export interface EndpointGroupTable {
  id: string;
  name: string;
  description: string | null;
  filters: string;
}

export interface ProjectEndpointGroupTable {
  endpoint_group_id: string;
  project_id: string;
}

export interface ProjectEndpointTable {
  endpoint_id: string;
  project_id: string;
}

/** Unified limits: the default limit of a resource of a service (in a region, or everywhere). */
export interface RegisteredLimitTable {
  id: string;
  service_id: string;
  region_id: string | null;
  resource_name: string;
  default_limit: number;
  description: string | null;
}

/** A project's or a domain's override of a registered limit (exactly one of the two ids is set). */
export interface UnifiedLimitTable {
  id: string;
  registered_limit_id: string;
  project_id: string | null;
  domain_id: string | null;
  resource_limit: number;
  description: string | null;
}

export interface IdentityTables {
  project: ProjectTable;
  project_tag: ProjectTagTable;
  user: UserTable;
  password: PasswordTable;
  group: GroupTable;
  user_group: UserGroupTable;
  role: RoleTable;
  implied_role: ImpliedRoleTable;
  assignment: AssignmentTable;
  region: RegionTable;
  service: ServiceTable;
  endpoint: EndpointTable;
  application_credential: ApplicationCredentialTable;
  application_credential_role: ApplicationCredentialRoleTable;
  access_rule: AccessRuleTable;
  application_credential_access_rule: ApplicationCredentialAccessRuleTable;
  credential: CredentialTable;
  revocation_event: RevocationEventTable;
  trust: TrustTable;
  trust_role: TrustRoleTable;
  consumer: ConsumerTable;
  request_token: RequestTokenTable;
  access_token: AccessTokenTable;
  policy: PolicyTable;
  endpoint_group: EndpointGroupTable;
  project_endpoint_group: ProjectEndpointGroupTable;
  project_endpoint: ProjectEndpointTable;
  registered_limit: RegisteredLimitTable;
  unified_limit: UnifiedLimitTable;
}

/** Keystone's marker for "no domain" on global roles and the root of domains. */
export const NULL_DOMAIN = '<<null>>';

/** Keystone's domain_id of every domain row, so (domain_id, name) is unique for domains too. */
export const ROOT_DOMAIN = '<<keystone.domain.root>>';
