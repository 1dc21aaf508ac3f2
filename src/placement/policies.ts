import type { PolicyDefault } from '../core/policy/index.js';

/** Every Placement action; the names operators override in policy.yaml. */
const READS = [
  'resource_providers:list', 'resource_providers:show', 'resource_providers:inventories:list', 'resource_providers:inventories:show',
  'resource_providers:aggregates:list', 'resource_providers:usages', 'usages', 'resource_providers:traits:list', 'traits:list', 'traits:show',
  'resource_classes:list', 'resource_classes:show', 'resource_providers:allocations:list', 'allocations:list', 'allocation_candidates:list',
];
const WRITES = [
  'resource_providers:create', 'resource_providers:update', 'resource_providers:delete', 'resource_providers:inventories:create',
  'resource_providers:inventories:update', 'resource_providers:inventories:delete', 'resource_providers:aggregates:update',
  'resource_providers:traits:update', 'resource_providers:traits:delete', 'traits:update', 'traits:delete', 'resource_classes:create',
  'resource_classes:update', 'resource_classes:delete', 'allocations:manage', 'allocations:update', 'allocations:delete', 'reshaper:reshape',
];

/**
 * Placement's defaults as they apply in Zed with enforce_new_defaults off: the
 * inventory of the cloud is for administrators and services (Nova's service user has
 * the admin role); a system-scoped reader may look.
 */
export const placementPolicies: PolicyDefault[] = [
  { name: 'admin_api', checkStr: 'role:admin' },
  { name: 'system_reader_api', checkStr: 'role:reader and system_scope:all' },
  ...READS.map((a) => ({ name: `placement:${a}`, checkStr: 'rule:admin_api or rule:system_reader_api' })),
  ...WRITES.map((a) => ({ name: `placement:${a}`, checkStr: 'rule:admin_api' })),
];
