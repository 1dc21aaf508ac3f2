import type { PolicyDefault } from '../core/policy/index.js';

/**
 * Neutron's default rules (Zed, as they apply with enforce_new_defaults off): owners
 * and admins manage their resources; shared and external networks are visible to all;
 * provider attributes, sharing and router:external are for admins.
 */
export const networkPolicies: PolicyDefault[] = [
  { name: 'context_is_admin', checkStr: 'role:admin' },
  { name: 'owner', checkStr: 'tenant_id:%(tenant_id)s' },
  { name: 'admin_or_owner', checkStr: 'rule:context_is_admin or rule:owner' },
  { name: 'admin_only', checkStr: 'rule:context_is_admin' },
  { name: 'shared', checkStr: "'True':%(shared)s" },
  { name: 'external', checkStr: "'True':%(router:external)s" },
  { name: 'default', checkStr: 'rule:admin_or_owner' },
  { name: 'create_network', checkStr: '' },
  { name: 'create_network:shared', checkStr: 'rule:admin_only' },
  { name: 'create_network:router:external', checkStr: 'rule:admin_only' },
  { name: 'create_network:provider:network_type', checkStr: 'rule:admin_only' },
  { name: 'create_network:provider:physical_network', checkStr: 'rule:admin_only' },
  { name: 'create_network:provider:segmentation_id', checkStr: 'rule:admin_only' },
  { name: 'get_network', checkStr: 'rule:admin_or_owner or rule:shared or rule:external' },
  { name: 'get_network:provider:network_type', checkStr: 'rule:admin_only' },
  { name: 'get_network:provider:physical_network', checkStr: 'rule:admin_only' },
  { name: 'get_network:provider:segmentation_id', checkStr: 'rule:admin_only' },
  { name: 'update_network', checkStr: 'rule:admin_or_owner' },
  { name: 'update_network:shared', checkStr: 'rule:admin_only' },
  { name: 'update_network:router:external', checkStr: 'rule:admin_only' },
  { name: 'update_network:provider:network_type', checkStr: 'rule:admin_only' },
  { name: 'update_network:provider:physical_network', checkStr: 'rule:admin_only' },
  { name: 'update_network:provider:segmentation_id', checkStr: 'rule:admin_only' },
  { name: 'delete_network', checkStr: 'rule:admin_or_owner' },
];
