import type { PolicyDefault } from '../core/policy/index.js';

const ADMIN = 'rule:admin_api';
const OWNER = 'rule:admin_or_owner';
const ANYONE = '@';

/**
 * Nova's default rules as they apply in Zed with enforce_new_defaults off (the
 * deprecated rules win): owners act on their project's resources, admins on all;
 * cloud-wide objects (flavors, aggregates, hosts) are changed by admins only.
 */
export const computePolicies: PolicyDefault[] = [
  { name: 'context_is_admin', checkStr: 'role:admin' },
  { name: 'admin_or_owner', checkStr: 'is_admin:True or project_id:%(project_id)s' },
  { name: 'admin_api', checkStr: 'is_admin:True' },
  { name: 'os_compute_api:os-flavor-manage:create', checkStr: ADMIN },
  { name: 'os_compute_api:os-flavor-manage:update', checkStr: ADMIN },
  { name: 'os_compute_api:os-flavor-manage:delete', checkStr: ADMIN },
  { name: 'os_compute_api:os-flavor-access', checkStr: ADMIN },
  { name: 'os_compute_api:os-flavor-access:add_tenant_access', checkStr: ADMIN },
  { name: 'os_compute_api:os-flavor-access:remove_tenant_access', checkStr: ADMIN },
  { name: 'os_compute_api:os-flavor-extra-specs:index', checkStr: OWNER },
  { name: 'os_compute_api:os-flavor-extra-specs:show', checkStr: OWNER },
  { name: 'os_compute_api:os-flavor-extra-specs:create', checkStr: ADMIN },
  { name: 'os_compute_api:os-flavor-extra-specs:update', checkStr: ADMIN },
  { name: 'os_compute_api:os-flavor-extra-specs:delete', checkStr: ADMIN },
  { name: 'os_compute_api:os-keypairs:index', checkStr: '(rule:admin_api) or user_id:%(user_id)s' },
  { name: 'os_compute_api:os-keypairs:create', checkStr: '(rule:admin_api) or user_id:%(user_id)s' },
  { name: 'os_compute_api:os-keypairs:show', checkStr: '(rule:admin_api) or user_id:%(user_id)s' },
  { name: 'os_compute_api:os-keypairs:delete', checkStr: '(rule:admin_api) or user_id:%(user_id)s' },
  { name: 'os_compute_api:os-availability-zone:list', checkStr: ANYONE },
  { name: 'os_compute_api:os-availability-zone:detail', checkStr: ADMIN },
  { name: 'os_compute_api:limits', checkStr: ANYONE },
  { name: 'os_compute_api:servers:create', checkStr: OWNER },
  { name: 'os_compute_api:servers:create:forced_host', checkStr: ADMIN },
  { name: 'os_compute_api:servers:index', checkStr: OWNER },
  { name: 'os_compute_api:servers:detail', checkStr: OWNER },
  { name: 'os_compute_api:servers:show', checkStr: OWNER },
  { name: 'os_compute_api:servers:update', checkStr: OWNER },
  { name: 'os_compute_api:servers:delete', checkStr: OWNER },
  { name: 'os_compute_api:os-services:list', checkStr: ADMIN },
  { name: 'os_compute_api:os-services:update', checkStr: ADMIN },
  { name: 'os_compute_api:os-services:delete', checkStr: ADMIN },
  { name: 'os_compute_api:os-hypervisors:list', checkStr: ADMIN },
  { name: 'os_compute_api:os-hypervisors:list-detail', checkStr: ADMIN },
  { name: 'os_compute_api:os-hypervisors:show', checkStr: ADMIN },
  { name: 'os_compute_api:os-hypervisors:statistics', checkStr: ADMIN },
  { name: 'os_compute_api:os-hypervisors:uptime', checkStr: ADMIN },
  { name: 'os_compute_api:os-hypervisors:search', checkStr: ADMIN },
  { name: 'os_compute_api:os-hypervisors:servers', checkStr: ADMIN },
  { name: 'os_compute_api:limits:other_project', checkStr: ADMIN },
];
