/**
 * Keystone's default policy rules (Zed), in the form that applies while
 * enforce_new_defaults is off: the new persona rule (system/domain reader, member,
 * admin) OR the deprecated rule it replaced, so both kinds of deployments keep working.
 * Operators override any of them by name in policy.yaml.
 */
export interface PolicyRule {
  name: string;
  checkStr: string;
  description?: string;
}

const SYSTEM_READER = '(role:reader and system_scope:all)';
const SYSTEM_ADMIN = '(role:admin and system_scope:all)';
const ADMIN = 'rule:admin_required';

/** Reads: system readers, domain readers of the target's domain, and admins. */
const readInDomain = (domainAttr: string): string =>
  `${SYSTEM_READER} or (role:reader and domain_id:%(${domainAttr})s) or ${ADMIN}`;

/** Writes: system admins, admins of the target's domain, and (legacy) any admin. */
const adminInDomain = (domainAttr: string): string =>
  `${SYSTEM_ADMIN} or (role:admin and domain_id:%(${domainAttr})s) or ${ADMIN}`;

const adminOnly = `${SYSTEM_ADMIN} or ${ADMIN}`;
const systemReadOrAdmin = `${SYSTEM_READER} or ${ADMIN}`;

const base: PolicyRule[] = [
  { name: 'admin_required', checkStr: 'role:admin or is_admin:True' },
  { name: 'service_role', checkStr: 'role:service' },
  { name: 'service_or_admin', checkStr: 'rule:admin_required or rule:service_role' },
  { name: 'owner', checkStr: 'user_id:%(user_id)s' },
  { name: 'admin_or_owner', checkStr: 'rule:admin_required or rule:owner' },
  { name: 'token_subject', checkStr: 'user_id:%(target.token.user_id)s' },
  { name: 'admin_or_token_subject', checkStr: 'rule:admin_required or rule:token_subject' },
  { name: 'service_admin_or_token_subject', checkStr: 'rule:service_or_admin or rule:token_subject' },
];

const crud = (resource: string, plural: string, read: string, write: string): PolicyRule[] => [
  { name: `identity:get_${resource}`, checkStr: read },
  { name: `identity:list_${plural}`, checkStr: read },
  { name: `identity:create_${resource}`, checkStr: write },
  { name: `identity:update_${resource}`, checkStr: write },
  { name: `identity:delete_${resource}`, checkStr: write },
];

export const identityPolicies: PolicyRule[] = [
  ...base,
  // Tokens and the auth/* discovery calls.
  { name: 'identity:check_token', checkStr: `${SYSTEM_READER} or rule:service_admin_or_token_subject` },
  { name: 'identity:validate_token', checkStr: `${SYSTEM_READER} or rule:service_admin_or_token_subject` },
  { name: 'identity:revoke_token', checkStr: `${SYSTEM_ADMIN} or rule:admin_or_token_subject` },
  { name: 'identity:get_auth_catalog', checkStr: '' },
  { name: 'identity:get_auth_projects', checkStr: '' },
  { name: 'identity:get_auth_domains', checkStr: '' },
  { name: 'identity:get_auth_system', checkStr: '' },
  // Regions are public knowledge; changing them is the operator's job.
  { name: 'identity:get_region', checkStr: '' },
  { name: 'identity:list_regions', checkStr: '' },
  { name: 'identity:create_region', checkStr: adminOnly },
  { name: 'identity:update_region', checkStr: adminOnly },
  { name: 'identity:delete_region', checkStr: adminOnly },
  ...crud('service', 'services', systemReadOrAdmin, adminOnly),
  ...crud('endpoint', 'endpoints', systemReadOrAdmin, adminOnly),
  // Policies API (opaque blobs) and OS-EP-FILTER endpoint groups / project endpoints.
  ...crud('policy', 'policies', systemReadOrAdmin, adminOnly),
  ...crud('endpoint_group', 'endpoint_groups', systemReadOrAdmin, adminOnly),
  { name: 'identity:list_projects_associated_with_endpoint_group', checkStr: systemReadOrAdmin },
  { name: 'identity:list_endpoints_associated_with_endpoint_group', checkStr: systemReadOrAdmin },
  { name: 'identity:get_endpoint_group_in_project', checkStr: systemReadOrAdmin },
  { name: 'identity:list_endpoint_groups_for_project', checkStr: systemReadOrAdmin },
  { name: 'identity:add_endpoint_group_to_project', checkStr: adminOnly },
  { name: 'identity:remove_endpoint_group_from_project', checkStr: adminOnly },
  { name: 'identity:list_projects_for_endpoint', checkStr: systemReadOrAdmin },
  { name: 'identity:list_endpoints_for_project', checkStr: systemReadOrAdmin },
  { name: 'identity:check_endpoint_in_project', checkStr: systemReadOrAdmin },
  { name: 'identity:add_endpoint_to_project', checkStr: adminOnly },
  { name: 'identity:remove_endpoint_from_project', checkStr: adminOnly },
  // Domains: a user may read the domain its token is scoped to.
  { name: 'identity:get_domain', checkStr: `${SYSTEM_READER} or domain_id:%(target.domain.id)s or project_domain_id:%(target.domain.id)s or ${ADMIN}` },
  { name: 'identity:list_domains', checkStr: systemReadOrAdmin },
  { name: 'identity:create_domain', checkStr: adminOnly },
  { name: 'identity:update_domain', checkStr: adminOnly },
  { name: 'identity:delete_domain', checkStr: adminOnly },
  // Domain-specific configuration: system readers may read, only admins may change it.
  { name: 'identity:create_domain_config', checkStr: adminOnly },
  { name: 'identity:get_domain_config', checkStr: systemReadOrAdmin },
  { name: 'identity:get_security_compliance_domain_config', checkStr: '' },
  { name: 'identity:update_domain_config', checkStr: adminOnly },
  { name: 'identity:delete_domain_config', checkStr: adminOnly },
  { name: 'identity:get_domain_config_default', checkStr: systemReadOrAdmin },
  // Projects.
  { name: 'identity:get_project', checkStr: `${readInDomain('target.project.domain_id')} or project_id:%(target.project.id)s` },
  { name: 'identity:list_projects', checkStr: readInDomain('target.domain_id') },
  { name: 'identity:list_user_projects', checkStr: `${readInDomain('target.user.domain_id')} or user_id:%(target.user.id)s` },
  { name: 'identity:create_project', checkStr: adminInDomain('target.project.domain_id') },
  { name: 'identity:update_project', checkStr: adminInDomain('target.project.domain_id') },
  { name: 'identity:delete_project', checkStr: adminInDomain('target.project.domain_id') },
  { name: 'identity:list_project_tags', checkStr: `${readInDomain('target.project.domain_id')} or project_id:%(target.project.id)s` },
  { name: 'identity:get_project_tag', checkStr: `${readInDomain('target.project.domain_id')} or project_id:%(target.project.id)s` },
  { name: 'identity:update_project_tags', checkStr: adminInDomain('target.project.domain_id') },
  { name: 'identity:create_project_tag', checkStr: adminInDomain('target.project.domain_id') },
  { name: 'identity:delete_project_tags', checkStr: adminInDomain('target.project.domain_id') },
  { name: 'identity:delete_project_tag', checkStr: adminInDomain('target.project.domain_id') },
  // Users: everyone may read themselves and change their own password.
  { name: 'identity:get_user', checkStr: `${readInDomain('target.user.domain_id')} or user_id:%(target.user.id)s` },
  { name: 'identity:list_users', checkStr: readInDomain('target.domain_id') },
  { name: 'identity:create_user', checkStr: adminInDomain('target.user.domain_id') },
  { name: 'identity:update_user', checkStr: adminInDomain('target.user.domain_id') },
  { name: 'identity:delete_user', checkStr: adminInDomain('target.user.domain_id') },
  { name: 'identity:change_password', checkStr: 'rule:admin_or_owner' },
  // Groups.
  { name: 'identity:get_group', checkStr: readInDomain('target.group.domain_id') },
  { name: 'identity:list_groups', checkStr: readInDomain('target.domain_id') },
  { name: 'identity:list_groups_for_user', checkStr: `${readInDomain('target.user.domain_id')} or user_id:%(user_id)s` },
  { name: 'identity:list_users_in_group', checkStr: readInDomain('target.group.domain_id') },
  { name: 'identity:check_user_in_group', checkStr: readInDomain('target.group.domain_id') },
  { name: 'identity:create_group', checkStr: adminInDomain('target.group.domain_id') },
  { name: 'identity:update_group', checkStr: adminInDomain('target.group.domain_id') },
  { name: 'identity:delete_group', checkStr: adminInDomain('target.group.domain_id') },
  { name: 'identity:add_user_to_group', checkStr: adminInDomain('target.group.domain_id') },
  { name: 'identity:remove_user_from_group', checkStr: adminInDomain('target.group.domain_id') },
  // Roles, implied roles and grants.
  ...crud('role', 'roles', systemReadOrAdmin, adminOnly),
  ...crud('domain_role', 'domain_roles', systemReadOrAdmin, adminOnly),
  { name: 'identity:get_implied_role', checkStr: systemReadOrAdmin },
  { name: 'identity:list_implied_roles', checkStr: systemReadOrAdmin },
  { name: 'identity:list_role_inference_rules', checkStr: systemReadOrAdmin },
  { name: 'identity:create_implied_role', checkStr: adminOnly },
  { name: 'identity:delete_implied_role', checkStr: adminOnly },
  { name: 'identity:check_implied_role', checkStr: systemReadOrAdmin },
  { name: 'identity:check_grant', checkStr: systemReadOrAdmin },
  { name: 'identity:list_grants', checkStr: systemReadOrAdmin },
  { name: 'identity:create_grant', checkStr: adminOnly },
  { name: 'identity:revoke_grant', checkStr: adminOnly },
  { name: 'identity:list_system_grants_for_user', checkStr: systemReadOrAdmin },
  { name: 'identity:check_system_grant_for_user', checkStr: systemReadOrAdmin },
  { name: 'identity:create_system_grant_for_user', checkStr: adminOnly },
  { name: 'identity:revoke_system_grant_for_user', checkStr: adminOnly },
  { name: 'identity:list_system_grants_for_group', checkStr: systemReadOrAdmin },
  { name: 'identity:check_system_grant_for_group', checkStr: systemReadOrAdmin },
  { name: 'identity:create_system_grant_for_group', checkStr: adminOnly },
  { name: 'identity:revoke_system_grant_for_group', checkStr: adminOnly },
  { name: 'identity:list_role_assignments', checkStr: `${SYSTEM_READER} or (role:reader and domain_id:%(target.domain_id)s) or ${ADMIN}` },
  { name: 'identity:list_role_assignments_for_tree', checkStr: `${SYSTEM_READER} or (role:reader and domain_id:%(target.project.domain_id)s) or ${ADMIN}` },
  // Application credentials and access rules belong to their user.
  { name: 'identity:get_application_credential', checkStr: `${SYSTEM_READER} or rule:owner or ${ADMIN}` },
  { name: 'identity:list_application_credentials', checkStr: `${SYSTEM_READER} or rule:owner or ${ADMIN}` },
  { name: 'identity:create_application_credential', checkStr: 'user_id:%(user_id)s' },
  { name: 'identity:delete_application_credential', checkStr: `${SYSTEM_ADMIN} or rule:owner or ${ADMIN}` },
  { name: 'identity:get_access_rule', checkStr: `${SYSTEM_READER} or user_id:%(target.user.id)s` },
  { name: 'identity:list_access_rules', checkStr: `${SYSTEM_READER} or user_id:%(target.user.id)s` },
  { name: 'identity:delete_access_rule', checkStr: `${SYSTEM_ADMIN} or user_id:%(target.user.id)s` },
  // OS-TRUST: the trustor and trustee see a trust; only the trustor (or an admin) ends it.
  { name: 'identity:create_trust', checkStr: 'user_id:%(target.trust.trustor_user_id)s' },
  { name: 'identity:list_trusts', checkStr: systemReadOrAdmin },
  { name: 'identity:list_trusts_for_trustor', checkStr: `${SYSTEM_READER} or user_id:%(target.trust.trustor_user_id)s or ${ADMIN}` },
  { name: 'identity:list_trusts_for_trustee', checkStr: `${SYSTEM_READER} or user_id:%(target.trust.trustee_user_id)s or ${ADMIN}` },
  ...['get_trust', 'list_roles_for_trust', 'get_role_for_trust'].map((action) => ({
    name: `identity:${action}`,
    checkStr: `${SYSTEM_READER} or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s or ${ADMIN}`,
  })),
  { name: 'identity:delete_trust', checkStr: `${SYSTEM_ADMIN} or user_id:%(target.trust.trustor_user_id)s or ${ADMIN}` },
  // OS-OAUTH1 consumers are the operator's.
  { name: 'identity:get_consumer', checkStr: systemReadOrAdmin },
  { name: 'identity:list_consumers', checkStr: systemReadOrAdmin },
  { name: 'identity:create_consumer', checkStr: ADMIN },
  { name: 'identity:update_consumer', checkStr: ADMIN },
  { name: 'identity:delete_consumer', checkStr: ADMIN },
  // OS-OAUTH1 delegation: Keystone leaves authorizing and access tokens to admins.
  ...['authorize_request_token', 'get_access_token', 'get_access_token_role', 'list_access_tokens', 'list_access_token_roles', 'delete_access_token']
    .map((action) => ({ name: `identity:${action}`, checkStr: ADMIN })),
  // Unified limits (Zed has no deprecated rules here: writes need a system admin).
  { name: 'identity:get_registered_limit', checkStr: '' },
  { name: 'identity:list_registered_limits', checkStr: '' },
  { name: 'identity:create_registered_limits', checkStr: SYSTEM_ADMIN },
  { name: 'identity:update_registered_limit', checkStr: SYSTEM_ADMIN },
  { name: 'identity:delete_registered_limit', checkStr: SYSTEM_ADMIN },
  { name: 'identity:get_limit_model', checkStr: '' },
  {
    name: 'identity:get_limit',
    checkStr: `${SYSTEM_READER} or (domain_id:%(target.limit.domain.id)s or domain_id:%(target.limit.project.domain_id)s) or ` +
      '(project_id:%(target.limit.project_id)s and not None:%(target.limit.project_id)s)',
  },
  { name: 'identity:list_limits', checkStr: '' },
  { name: 'identity:create_limits', checkStr: SYSTEM_ADMIN },
  { name: 'identity:update_limit', checkStr: SYSTEM_ADMIN },
  { name: 'identity:delete_limit', checkStr: SYSTEM_ADMIN },
  // OS-REVOKE.
  { name: 'identity:list_revoke_events', checkStr: 'rule:service_or_admin' },
  // EC2-style credentials belong to their user.
  { name: 'identity:get_credential', checkStr: `${SYSTEM_READER} or user_id:%(target.credential.user_id)s or ${ADMIN}` },
  { name: 'identity:list_credentials', checkStr: `${SYSTEM_READER} or user_id:%(target.credential.user_id)s or ${ADMIN}` },
  { name: 'identity:create_credential', checkStr: `${SYSTEM_ADMIN} or user_id:%(target.credential.user_id)s or ${ADMIN}` },
  { name: 'identity:update_credential', checkStr: `${SYSTEM_ADMIN} or user_id:%(target.credential.user_id)s or ${ADMIN}` },
  { name: 'identity:delete_credential', checkStr: `${SYSTEM_ADMIN} or user_id:%(target.credential.user_id)s or ${ADMIN}` },
  // OS-EC2 credentials under /v3/users/{user_id}; rule:owner compares the URL's user_id.
  { name: 'identity:ec2_get_credential', checkStr: `${SYSTEM_READER} or user_id:%(target.credential.user_id)s or ${ADMIN}` },
  { name: 'identity:ec2_list_credentials', checkStr: `${SYSTEM_READER} or rule:owner or ${ADMIN}` },
  { name: 'identity:ec2_create_credential', checkStr: `${SYSTEM_ADMIN} or rule:owner or ${ADMIN}` },
  { name: 'identity:ec2_delete_credential', checkStr: `${SYSTEM_ADMIN} or user_id:%(target.credential.user_id)s or ${ADMIN}` },
];
