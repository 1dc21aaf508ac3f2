import type { Queryable } from '../store/db.js';
import { roleIdsOf, type AccessTokenRow } from '../store/oauth1-tokens.js';
import type { RoleRow } from '../store/roles.js';
import { expandImplied } from './effective-roles.js';

/**
 * The roles an OS-OAUTH1 token carries, as Keystone's _get_oauth_roles computes them
 * at validation: the authorized roles and every role they imply, kept only where the
 * authorizing user still holds them on the project (`userRoles`, already effective).
 */
export async function oauthTokenRoles(db: Queryable, access: AccessTokenRow, userRoles: readonly RoleRow[]): Promise<RoleRow[]> {
  const delegated = new Set(await expandImplied(db, roleIdsOf(access.role_ids)));
  return userRoles.filter((r) => delegated.has(r.id));
}
