import type { Queryable } from './store/db.js';
import {
  listAssignmentRows, projectIdsInDomain, projectSubtreeIds, SYSTEM_TARGET, type AssignmentRow,
} from './store/assignments.js';
import { memberIds } from './store/groups.js';
import { getProjectRow, projectAncestors } from './store/projects.js';
import { allImpliedRoles, rolesByIds } from './store/roles.js';
import { NULL_DOMAIN, type AssignmentType } from './store/schema.js';
import { groupIdsOfUser } from './store/users.js';

/**
 * One role assignment in Keystone's internal shape: an actor, a target, a role, and,
 * for assignments derived in effective mode, where it came from (`indirect`).
 */
export interface AssignmentRef {
  user_id?: string;
  group_id?: string;
  project_id?: string;
  domain_id?: string;
  system?: boolean;
  role_id: string;
  inherited_to_projects?: boolean;
  indirect?: { group_id?: string; project_id?: string; domain_id?: string; role_id?: string };
}

export interface AssignmentQuery {
  roleId?: string;
  userId?: string;
  groupId?: string;
  /** 'all' restricts to system assignments. */
  system?: string;
  domainId?: string;
  projectId?: string;
  includeSubtree?: boolean;
  /** true: only inherited; false: only direct; undefined: both. */
  inherited?: boolean;
  effective?: boolean;
}

const USER_TYPES: AssignmentType[] = ['UserProject', 'UserDomain'];
const GROUP_TYPES: AssignmentType[] = ['GroupProject', 'GroupDomain'];
const PROJECT_TYPES: AssignmentType[] = ['UserProject', 'GroupProject'];
const DOMAIN_TYPES: AssignmentType[] = ['UserDomain', 'GroupDomain'];

function toRef(row: AssignmentRow): AssignmentRef {
  const ref: AssignmentRef = { role_id: row.role_id };
  if (row.type.startsWith('User')) ref.user_id = row.actor_id;
  else ref.group_id = row.actor_id;
  if (row.type.endsWith('Project')) ref.project_id = row.target_id;
  else if (row.type.endsWith('Domain')) ref.domain_id = row.target_id;
  else ref.system = true;
  if (row.inherited === 1) ref.inherited_to_projects = true;
  return ref;
}

interface DriverQuery {
  roleId?: string;
  userId?: string;
  groupIds?: readonly string[];
  domainId?: string;
  projectIds?: readonly string[];
  inherited?: boolean;
}

/** Project and domain assignments matching the filters (Keystone's driver list_role_assignments). */
async function driverList(db: Queryable, q: DriverQuery): Promise<AssignmentRef[]> {
  let types: AssignmentType[] = [...PROJECT_TYPES, ...DOMAIN_TYPES];
  if (q.userId !== undefined) types = types.filter((t) => USER_TYPES.includes(t));
  if (q.groupIds !== undefined) types = types.filter((t) => GROUP_TYPES.includes(t));
  let targetIds: string[] | undefined;
  if (q.projectIds !== undefined && q.domainId !== undefined) return [];
  if (q.projectIds !== undefined) {
    types = types.filter((t) => PROJECT_TYPES.includes(t));
    targetIds = [...q.projectIds];
  } else if (q.domainId !== undefined) {
    types = types.filter((t) => DOMAIN_TYPES.includes(t));
    targetIds = [q.domainId];
  }
  const actorIds = q.userId !== undefined ? [q.userId] : q.groupIds;
  const rows = await listAssignmentRows(db, {
    types,
    ...(q.roleId !== undefined ? { roleId: q.roleId } : {}),
    ...(actorIds !== undefined ? { actorIds } : {}),
    ...(targetIds !== undefined ? { targetIds } : {}),
    ...(q.inherited !== undefined ? { inherited: q.inherited } : {}),
  });
  return rows.map(toRef);
}

async function systemRefs(db: Queryable, q: AssignmentQuery): Promise<AssignmentRef[]> {
  const types: AssignmentType[] = q.userId !== undefined ? ['UserSystem'] : q.groupId !== undefined ? ['GroupSystem'] : ['UserSystem', 'GroupSystem'];
  const actor = q.userId ?? q.groupId;
  const rows = await listAssignmentRows(db, {
    types, targetIds: [SYSTEM_TARGET],
    ...(actor !== undefined ? { actorIds: [actor] } : {}),
    ...(q.roleId !== undefined ? { roleId: q.roleId } : {}),
  });
  return rows.map(toRef);
}

/** Lists role assignments as Keystone's assignment manager does, effective mode included. */
export class RoleAssignmentLister {
  constructor(private readonly db: Queryable) {}

  async list(q: AssignmentQuery): Promise<AssignmentRef[]> {
    const subtree = q.projectId && q.includeSubtree ? await projectSubtreeIds(this.db, q.projectId) : undefined;
    return q.effective ? this.effective(q, subtree) : this.direct(q, subtree);
  }

  private async direct(q: AssignmentQuery, subtree: string[] | undefined): Promise<AssignmentRef[]> {
    const system = q.system === 'all';
    const projectIds = q.projectId ? [q.projectId, ...(subtree ?? [])] : undefined;
    let refs: AssignmentRef[] = [];
    if (!system) {
      refs = await driverList(this.db, {
        ...(q.roleId !== undefined ? { roleId: q.roleId } : {}),
        ...(q.userId !== undefined ? { userId: q.userId } : {}),
        ...(q.groupId !== undefined ? { groupIds: [q.groupId] } : {}),
        ...(q.domainId !== undefined ? { domainId: q.domainId } : {}),
        ...(projectIds !== undefined ? { projectIds } : {}),
        ...(q.inherited !== undefined ? { inherited: q.inherited } : {}),
      });
    }
    if (system || (!q.projectId && !q.domainId)) refs.push(...(await systemRefs(this.db, q)));
    return refs;
  }

  private async effective(q: AssignmentQuery, subtree: string[] | undefined): Promise<AssignmentRef[]> {
    if (q.groupId || (q.domainId && q.inherited)) return [];
    const inherited = q.domainId ? false : q.inherited;
    const scope = { projectId: q.projectId, subtree, domainId: q.domainId, inherited };
    const direct = await this.forActor({ ...scope, userId: q.userId });
    let viaGroups: AssignmentRef[] = [];
    if (q.userId) {
      const groupIds = await groupIdsOfUser(this.db, q.userId);
      if (groupIds.length > 0) viaGroups = await this.forActor({ ...scope, groupIds });
    }
    let refs: AssignmentRef[] = [];
    for (const ref of [...direct, ...viaGroups]) refs.push(...(await this.expand(ref, q.userId, q.projectId, subtree)));
    refs = await this.addImplied(refs);
    refs = await this.stripDomainRoles(refs);
    if (q.roleId) refs = refs.filter((r) => r.role_id === q.roleId);
    return refs;
  }

  /** Direct and inherited assignments that may reach the actor on the scope of interest. */
  private async forActor(a: {
    userId?: string | undefined; groupIds?: string[]; projectId?: string | undefined; subtree?: string[] | undefined;
    domainId?: string | undefined; inherited?: boolean | undefined;
  }): Promise<AssignmentRef[]> {
    const actor = { ...(a.userId !== undefined ? { userId: a.userId } : {}), ...(a.groupIds !== undefined ? { groupIds: a.groupIds } : {}) };
    const projectIds = a.projectId ? [a.projectId, ...(a.subtree ?? [])] : undefined;
    let refs: AssignmentRef[] = [];
    if (a.inherited !== true) {
      refs = await driverList(this.db, {
        ...actor, inherited: false,
        ...(a.domainId !== undefined ? { domainId: a.domainId } : {}),
        ...(projectIds !== undefined ? { projectIds } : {}),
      });
    }
    if (a.inherited !== false) {
      if (a.projectId) {
        const project = await getProjectRow(this.db, a.projectId);
        if (project) {
          refs.push(...(await driverList(this.db, { ...actor, inherited: true, domainId: project.domain_id })));
          const sources = (await projectAncestors(this.db, project)).map((p) => p.id);
          if (a.subtree) sources.push(...(projectIds ?? []));
          if (sources.length > 0) refs.push(...(await driverList(this.db, { ...actor, inherited: true, projectIds: sources })));
        }
      } else {
        refs.push(...(await driverList(this.db, { ...actor, inherited: true })));
      }
    }
    return refs;
  }

  /** Group assignments become one per member; inherited ones land on every project below. */
  private async expand(ref: AssignmentRef, userId: string | undefined, projectId: string | undefined, subtree: string[] | undefined): Promise<AssignmentRef[]> {
    const members = async (r: AssignmentRef): Promise<AssignmentRef[]> => {
      const ids = userId ? [userId] : await memberIds(this.db, r.group_id as string);
      return ids.map((id) => {
        const { group_id: groupId, ...rest } = r;
        return { ...rest, user_id: id, indirect: { ...r.indirect, group_id: groupId as string } };
      });
    };
    if (ref.inherited_to_projects) {
      let projectIds: string[];
      if (projectId) {
        projectIds = [projectId, ...(subtree ?? [])];
        if (subtree && ref.project_id && projectIds.includes(ref.project_id)) projectIds = await projectSubtreeIds(this.db, ref.project_id);
      } else if (ref.domain_id) {
        projectIds = await projectIdsInDomain(this.db, ref.domain_id);
      } else {
        projectIds = await projectSubtreeIds(this.db, ref.project_id as string);
      }
      const onProject = (r: AssignmentRef, pid: string): AssignmentRef => {
        const { project_id: fromProject, domain_id: fromDomain, inherited_to_projects: _i, ...rest } = r;
        const indirect = { ...r.indirect, ...(fromProject ? { project_id: fromProject } : { domain_id: fromDomain as string }) };
        return { ...rest, project_id: pid, indirect };
      };
      const actors = ref.group_id ? await members(ref) : [ref];
      return actors.flatMap((r) => projectIds.map((pid) => onProject(r, pid)));
    }
    if (ref.group_id) return members(ref);
    return [ref];
  }

  /** Adds a copy of each assignment for every role its role implies, transitively. */
  private async addImplied(refs: AssignmentRef[]): Promise<AssignmentRef[]> {
    const rules = await allImpliedRoles(this.db);
    if (rules.length === 0) return refs;
    const implies = new Map<string, string[]>();
    for (const r of rules) implies.set(r.prior_role_id, [...(implies.get(r.prior_role_id) ?? []), r.implied_role_id]);
    const results = [...refs];
    const seen = new Set(refs.map((r) => JSON.stringify(r)));
    const queue = [...refs];
    while (queue.length > 0) {
      const next = queue.pop() as AssignmentRef;
      for (const impliedId of implies.get(next.role_id) ?? []) {
        const copy: AssignmentRef = { ...next, role_id: impliedId, indirect: { ...next.indirect, role_id: next.role_id } };
        const key = JSON.stringify(copy);
        if (seen.has(key)) continue;
        seen.add(key);
        results.push(copy);
        queue.push(copy);
      }
    }
    return results;
  }

  /** Domain-specific roles only serve to imply others; they never reach a token. */
  private async stripDomainRoles(refs: AssignmentRef[]): Promise<AssignmentRef[]> {
    const roles = await rolesByIds(this.db, [...new Set(refs.map((r) => r.role_id))]);
    const global = new Set(roles.filter((r) => r.domain_id === NULL_DOMAIN).map((r) => r.id));
    return refs.filter((r) => global.has(r.role_id));
  }
}
