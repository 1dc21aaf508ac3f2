import type { PolicyDefault } from '../../core/policy/index.js';

/**
 * Glance Zed's metadef rules (glance/policies/metadef.py) with their secure-RBAC check
 * strings. The target of a rule carries project_id (the namespace owner, or the
 * caller's project when no namespace is involved yet) and visibility. Reads are open
 * to readers of the owning project and to anyone for public namespaces; every write
 * is for admins (rule:metadef_admin). `context_is_admin` and `default` come from the
 * image service's own rules.
 */
const READ_NAMESPACE = "role:admin or (role:reader and (project_id:%(project_id)s or 'public':%(visibility)s))";
const READ_PROJECT = 'role:admin or (role:reader and project_id:%(project_id)s)';
const ADMIN = 'rule:metadef_admin';

const rule = (name: string, checkStr: string, description: string): PolicyDefault => ({ name, checkStr, description, scopeTypes: ['project'] });

export const metadefPolicies: PolicyDefault[] = [
  { name: 'metadef_default', checkStr: '' },
  { name: 'metadef_admin', checkStr: 'role:admin' },
  rule('get_metadef_namespace', READ_NAMESPACE, 'Get a specific namespace.'),
  rule('get_metadef_namespaces', READ_PROJECT, 'List namespace.'),
  rule('modify_metadef_namespace', ADMIN, 'Modify an existing namespace.'),
  rule('add_metadef_namespace', ADMIN, 'Create a namespace.'),
  rule('delete_metadef_namespace', ADMIN, 'Delete a namespace.'),
  rule('get_metadef_object', READ_NAMESPACE, 'Get a specific object from a namespace.'),
  rule('get_metadef_objects', READ_NAMESPACE, 'Get objects from a namespace.'),
  rule('modify_metadef_object', ADMIN, 'Update an object within a namespace.'),
  rule('add_metadef_object', ADMIN, 'Create an object within a namespace.'),
  rule('delete_metadef_object', ADMIN, 'Delete an object within a namespace.'),
  rule('list_metadef_resource_types', READ_NAMESPACE, 'List meta definition resource types.'),
  rule('get_metadef_resource_type', READ_NAMESPACE, 'Get meta definition resource types associations.'),
  rule('add_metadef_resource_type_association', ADMIN, 'Create meta definition resource types association.'),
  rule('remove_metadef_resource_type_association', ADMIN, 'Delete meta definition resource types association.'),
  rule('get_metadef_property', READ_NAMESPACE, 'Get a specific meta definition property.'),
  rule('get_metadef_properties', READ_NAMESPACE, 'List meta definition properties.'),
  rule('modify_metadef_property', ADMIN, 'Update meta definition property.'),
  rule('add_metadef_property', ADMIN, 'Create meta definition property.'),
  rule('remove_metadef_property', ADMIN, 'Delete meta definition property.'),
  rule('get_metadef_tag', READ_NAMESPACE, 'Get tag definition.'),
  rule('get_metadef_tags', READ_NAMESPACE, 'List tag definitions.'),
  rule('modify_metadef_tag', ADMIN, 'Update tag definition.'),
  rule('add_metadef_tag', ADMIN, 'Add tag definition.'),
  rule('add_metadef_tags', ADMIN, 'Create tag definitions.'),
  rule('delete_metadef_tag', ADMIN, 'Delete tag definition.'),
  rule('delete_metadef_tags', ADMIN, 'Delete tag definitions.'),
];
