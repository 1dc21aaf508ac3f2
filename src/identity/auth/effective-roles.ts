import type { Queryable } from '../store/db.js';
import { getProjectRow, projectAncestors } from '../store/projects.js';
import { allImpliedRoles, assignedRoleIds, rolesByIds, type RoleRow } from '../store/roles.js';
import { NULL_DOMAIN } from '../store/schema.js';
import { groupIdsOfUser } from '../store/users.js';

/** What a token is scoped to. */
export type Scope =
  | { type: 'unscoped' }
  | { type: 'project'; projectId: string }
  | { type: 'domain'; domainId: string }
  | { type: 'system' };

/**
 * The roles a user holds on a scope: direct grants, grants to the user's groups,
 * grants inherited (OS-INHERIT) from the project's parents and domain, then every
 * role those imply, transitively. Computed at validation time, as Keystone does, so a
 * revoked grant stops working at once.
 */
export async function effectiveRoles(db: Queryable, userId: string, scope: Scope): Promise<RoleRow[]> {
  if (scope.type === 'unscoped') return [];
  const actors = [userId, ...(await groupIdsOfUser(db, userId))];
  let direct: string[] = [];
  if (scope.type === 'system') {
    direct = await assignedRoleIds(db, { types: ['UserSystem', 'GroupSystem'], actorIds: actors, targetIds: ['system'] });
  } else if (scope.type === 'domain') {
    direct = await assignedRoleIds(db, { types: ['UserDomain', 'GroupDomain'], actorIds: actors, targetIds: [scope.domainId], inherited: false });
  } else {
    const project = await getProjectRow(db, scope.projectId);
    if (!project) return [];
    const ancestors = await projectAncestors(db, project);
    const onProject = await assignedRoleIds(db, { types: ['UserProject', 'GroupProject'], actorIds: actors, targetIds: [project.id], inherited: false });
    const fromParents = await assignedRoleIds(db, {
      types: ['UserProject', 'GroupProject'], actorIds: actors, targetIds: ancestors.map((a) => a.id), inherited: true,
    });
    const fromDomain = await assignedRoleIds(db, { types: ['UserDomain', 'GroupDomain'], actorIds: actors, targetIds: [project.domain_id], inherited: true });
    direct = [...onProject, ...fromParents, ...fromDomain];
  }
  // Domain-specific roles only serve to imply global ones; Keystone never puts them in tokens.
  return (await rolesByIds(db, await expandImplied(db, direct))).filter((r) => r.domain_id === NULL_DOMAIN);
}

/** Adds every role implied (transitively) by the given ones. */
export async function expandImplied(db: Queryable, roleIds: readonly string[]): Promise<string[]> {
  const seen = new Set(roleIds);
  if (seen.size === 0) return [];
  const rules = await allImpliedRoles(db);
  const implies = new Map<string, string[]>();
  for (const r of rules) implies.set(r.prior_role_id, [...(implies.get(r.prior_role_id) ?? []), r.implied_role_id]);
  const queue = [...seen];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    for (const next of implies.get(id) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return [...seen];
}
