import type { PolicyDefault } from '../core/policy/index.js';

/**
 * Glance's default policy rules (Zed, secure-RBAC personas). The target of an image
 * rule carries project_id (the image owner), member_id (the caller's project when it
 * is a member of the image) and visibility, as Glance's ImageTarget does. Operators
 * override any rule by name in policy.yaml.
 */
const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s';
const PROJECT_READER = 'role:reader and project_id:%(project_id)s';
const IMAGE_MEMBER = 'project_id:%(member_id)s';
const VISIBLE = `${IMAGE_MEMBER} or 'community':%(visibility)s or 'public':%(visibility)s or 'shared':%(visibility)s`;

const ADMIN = 'role:admin';
const ADMIN_OR_PROJECT_MEMBER = `role:admin or (${PROJECT_MEMBER})`;
const ADMIN_OR_PROJECT_READER = `role:admin or (${PROJECT_READER})`;
const ADMIN_OR_READER_OF_VISIBLE = `role:admin or (role:reader and (project_id:%(project_id)s or ${VISIBLE}))`;
const ADMIN_OR_MEMBER_OF_VISIBLE = `role:admin or (role:member and (project_id:%(project_id)s or ${VISIBLE}))`;
const ADMIN_OR_SHARED_MEMBER = `role:admin or (role:member and ${IMAGE_MEMBER})`;
const ADMIN_OR_READER_OR_SHARED_MEMBER = `role:admin or role:reader and (project_id:%(project_id)s or ${IMAGE_MEMBER})`;

export const imagePolicies: PolicyDefault[] = [
  { name: 'default', checkStr: '' },
  { name: 'context_is_admin', checkStr: ADMIN },
  { name: 'add_image', checkStr: `role:admin or (${PROJECT_MEMBER} and project_id:%(owner)s)` },
  { name: 'delete_image', checkStr: ADMIN_OR_PROJECT_MEMBER },
  { name: 'get_image', checkStr: ADMIN_OR_READER_OF_VISIBLE },
  { name: 'get_images', checkStr: ADMIN_OR_PROJECT_READER },
  { name: 'modify_image', checkStr: ADMIN_OR_PROJECT_MEMBER },
  { name: 'publicize_image', checkStr: ADMIN },
  { name: 'communitize_image', checkStr: ADMIN_OR_PROJECT_MEMBER },
  { name: 'download_image', checkStr: ADMIN_OR_MEMBER_OF_VISIBLE },
  { name: 'upload_image', checkStr: ADMIN_OR_PROJECT_MEMBER },
  { name: 'add_member', checkStr: ADMIN_OR_PROJECT_MEMBER },
  { name: 'delete_member', checkStr: ADMIN_OR_PROJECT_MEMBER },
  { name: 'get_member', checkStr: ADMIN_OR_READER_OR_SHARED_MEMBER },
  { name: 'get_members', checkStr: ADMIN_OR_READER_OR_SHARED_MEMBER },
  { name: 'modify_member', checkStr: ADMIN_OR_SHARED_MEMBER },
  { name: 'deactivate', checkStr: ADMIN_OR_PROJECT_MEMBER },
  { name: 'reactivate', checkStr: ADMIN_OR_PROJECT_MEMBER },
  { name: 'get_task', checkStr: ADMIN },
  { name: 'get_tasks', checkStr: ADMIN },
  { name: 'add_task', checkStr: ADMIN },
  { name: 'modify_task', checkStr: ADMIN },
  { name: 'tasks_api_access', checkStr: ADMIN },
  { name: 'stores_info_detail', checkStr: ADMIN },
];
