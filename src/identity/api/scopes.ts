import type { Queryable } from '../store/db.js';
import type { ProjectRow } from '../store/projects.js';
import { groupIdsOfUser } from '../store/users.js';

/**
 * The projects, domains and system a user holds any role on, directly, through a
 * group, or by inheritance (a grant inherited from a domain or parent project reaches
 * every project below it). Feeds /v3/auth/projects, /auth/domains and /auth/system.
 */
export async function assignedScopes(db: Queryable, userId: string): Promise<{ projects: ProjectRow[]; domains: ProjectRow[]; system: boolean }> {
  const actors = [userId, ...(await groupIdsOfUser(db, userId))];
  const rows = await db.selectFrom('assignment').select(['type', 'target_id', 'inherited']).where('actor_id', 'in', actors).execute();
  const projectIds = new Set<string>();
  const domainIds = new Set<string>();
  let system = false;
  const inheritedFrom: string[] = [];
  for (const r of rows) {
    if (r.type === 'UserSystem' || r.type === 'GroupSystem') system = true;
    else if (r.inherited === 1) inheritedFrom.push(r.target_id);
    else if (r.type === 'UserProject' || r.type === 'GroupProject') projectIds.add(r.target_id);
    else domainIds.add(r.target_id);
  }
  // Walk down from every inherited grant target to all projects beneath it.
  let frontier = inheritedFrom;
  for (let depth = 0; frontier.length > 0 && depth < 64; depth++) {
    const children = await db.selectFrom('project').select('id')
      .where('is_domain', '=', 0)
      .where((eb) => eb.or([eb('parent_id', 'in', frontier), eb('domain_id', 'in', frontier)]))
      .execute();
    frontier = children.map((c) => c.id).filter((id) => !projectIds.has(id));
    for (const id of frontier) projectIds.add(id);
  }
  const ids = [...projectIds, ...domainIds];
  const all = ids.length ? await db.selectFrom('project').selectAll().where('id', 'in', ids).orderBy('name').execute() : [];
  return { projects: all.filter((p) => p.is_domain === 0), domains: all.filter((p) => p.is_domain === 1), system };
}
