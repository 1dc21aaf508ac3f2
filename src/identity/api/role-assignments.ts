import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { IdentityService } from '../service.js';
import { notFound, validation } from '../errors.js';
import { RoleAssignmentLister, type AssignmentQuery, type AssignmentRef } from '../role-assignments.js';
import type { Queryable } from '../store/db.js';
import { getGroupRow } from '../store/groups.js';
import { getProjectRow } from '../store/projects.js';
import { getRoleRow } from '../store/roles.js';
import { NULL_DOMAIN } from '../store/schema.js';
import { getUserRow } from '../store/users.js';
import { authorize, baseUrl, listBody, queryBool, queryParam, type Guard } from './kit.js';

type Named = { id: string; name?: string; domain?: { id: string; name: string } };

/** Looks names up once per id for ?include_names. */
class NameCache {
  private readonly cache = new Map<string, Promise<Named>>();
  constructor(private readonly db: Queryable) {}

  private memo(key: string, load: () => Promise<Named>): Promise<Named> {
    let hit = this.cache.get(key);
    if (!hit) {
      hit = load();
      this.cache.set(key, hit);
    }
    return hit;
  }

  private async domainName(id: string): Promise<string> {
    return (await getProjectRow(this.db, id))?.name ?? '';
  }

  user(id: string): Promise<Named> {
    return this.memo(`u:${id}`, async () => {
      const u = await getUserRow(this.db, id);
      return u ? { id, name: u.name, domain: { id: u.domain_id, name: await this.domainName(u.domain_id) } } : { id, name: '', domain: { id: '', name: '' } };
    });
  }

  group(id: string): Promise<Named> {
    return this.memo(`g:${id}`, async () => {
      const g = await getGroupRow(this.db, id);
      return g ? { id, name: g.name, domain: { id: g.domain_id, name: await this.domainName(g.domain_id) } } : { id, name: '', domain: { id: '', name: '' } };
    });
  }

  project(id: string): Promise<Named> {
    return this.memo(`p:${id}`, async () => {
      const p = await getProjectRow(this.db, id);
      return p ? { id, name: p.name, domain: { id: p.domain_id, name: await this.domainName(p.domain_id) } } : { id };
    });
  }

  domain(id: string): Promise<Named> {
    return this.memo(`d:${id}`, async () => ({ id, name: await this.domainName(id) }));
  }

  role(id: string): Promise<Named> {
    return this.memo(`r:${id}`, async () => {
      const r = await getRoleRow(this.db, id);
      if (!r) return { id };
      return r.domain_id === NULL_DOMAIN ? { id, name: r.name } : { id, name: r.name, domain: { id: r.domain_id, name: await this.domainName(r.domain_id) } };
    });
  }
}

/** Keystone's role assignment entity, links.assignment pointing at the grant API that made it. */
async function format(base: string, ref: AssignmentRef, names: NameCache | undefined): Promise<Record<string, unknown>> {
  const links: Record<string, string> = {};
  const entity: Record<string, unknown> = {};
  const scope: Record<string, unknown> = {};
  let link = '';
  let inherited = ref.inherited_to_projects === true;
  if (ref.project_id !== undefined) {
    scope['project'] = names ? await names.project(ref.project_id) : { id: ref.project_id };
    if (ref.indirect?.domain_id) {
      inherited = true;
      link = `/domains/${ref.indirect.domain_id}`;
    } else if (ref.indirect?.project_id) {
      inherited = true;
      link = `/projects/${ref.indirect.project_id}`;
    } else {
      link = `/projects/${ref.project_id}`;
    }
  } else if (ref.domain_id !== undefined) {
    scope['domain'] = names ? await names.domain(ref.domain_id) : { id: ref.domain_id };
    link = `/domains/${ref.domain_id}`;
  } else if (ref.system) {
    scope['system'] = { all: true };
    link = '/system';
  }
  entity['scope'] = scope;
  if (ref.user_id !== undefined) {
    entity['user'] = names ? await names.user(ref.user_id) : { id: ref.user_id };
    if (ref.indirect?.group_id) {
      links['membership'] = `${base}/v3/groups/${ref.indirect.group_id}/users/${ref.user_id}`;
      link += `/groups/${ref.indirect.group_id}`;
    } else {
      link += `/users/${ref.user_id}`;
    }
  } else if (ref.group_id !== undefined) {
    entity['group'] = names ? await names.group(ref.group_id) : { id: ref.group_id };
    link += `/groups/${ref.group_id}`;
  }
  entity['role'] = names ? await names.role(ref.role_id) : { id: ref.role_id };
  let priorRoleLink: string | undefined;
  if (ref.indirect?.role_id) {
    link += `/roles/${ref.indirect.role_id}`;
    // Keystone's own (odd) shape of this link, kept for wire compatibility.
    priorRoleLink = `/prior_role/${ref.role_id}/implies/${ref.indirect.role_id}`;
  } else {
    link += `/roles/${ref.role_id}`;
  }
  if (inherited) {
    scope['OS-INHERIT:inherited_to'] = 'projects';
    link = `/OS-INHERIT${link}/inherited_to_projects`;
  }
  links['assignment'] = `${base}/v3${link}`;
  if (priorRoleLink) links['prior_role'] = `${base}/v3${priorRoleLink}`;
  return { ...entity, links };
}

function readQuery(request: FastifyRequest, includeSubtree: boolean): AssignmentQuery {
  const get = (name: string): string | undefined => queryParam(request, name) || undefined;
  const q = request.query as Record<string, unknown>;
  const inheritedTo = queryParam(request, 'scope.OS-INHERIT:inherited_to');
  const query: AssignmentQuery = { includeSubtree, effective: queryBool(request, 'effective') ?? false };
  const fields: Array<[keyof AssignmentQuery, string]> = [
    ['roleId', 'role.id'], ['userId', 'user.id'], ['groupId', 'group.id'], ['system', 'scope.system'],
    ['domainId', 'scope.domain.id'], ['projectId', 'scope.project.id'],
  ];
  for (const [key, name] of fields) {
    const v = get(name);
    if (v !== undefined) (query as Record<string, unknown>)[key] = v;
  }
  if ('scope.OS-INHERIT:inherited_to' in q) query.inherited = inheritedTo === 'projects';
  if (query.domainId && query.projectId) throw validation('Specify a domain or project, not both');
  if (query.domainId && query.system) throw validation('Specify system or domain, not both');
  if (query.projectId && query.system) throw validation('Specify system or project, not both');
  if (query.userId && query.groupId) throw validation('Specify a user or group, not both');
  if (query.effective) {
    if (query.groupId) throw validation('Combining effective and group filter will always result in an empty list.');
    if (query.inherited && query.domainId) throw validation('Combining effective, domain and inherited filters will always result in an empty list.');
  }
  return query;
}

/** GET /v3/role_assignments. */
export function registerRoleAssignmentRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  const lister = new RoleAssignmentLister(svc.db);

  app.get('/v3/role_assignments', authed, async (request) => {
    const includeSubtree = queryBool(request, 'include_subtree') ?? false;
    const caller = callerOf(request);
    if (includeSubtree) {
      const projectId = queryParam(request, 'scope.project.id');
      let target: Record<string, unknown> = {};
      if (projectId) {
        const project = await getProjectRow(svc.db, projectId);
        if (!project) throw notFound('project', projectId);
        target = { 'target.project.id': project.id, 'target.project.domain_id': project.domain_id, 'target.domain_id': project.domain_id };
      }
      authorize(svc, request, 'identity:list_role_assignments_for_tree', target);
      if (!projectId) throw validation('scope.project.id must be specified if include_subtree is also specified');
    } else {
      authorize(svc, request, 'identity:list_role_assignments', caller.domainId ? { 'target.domain_id': caller.domainId } : {});
    }
    const query = readQuery(request, includeSubtree);
    let refs = await lister.list(query);
    // A domain-scoped caller sees only assignments in its domain.
    if (!includeSubtree && caller.domainId) {
      const domainId = caller.domainId;
      const kept: AssignmentRef[] = [];
      for (const ref of refs) {
        if (ref.domain_id === domainId) kept.push(ref);
        else if (ref.project_id && (await getProjectRow(svc.db, ref.project_id))?.domain_id === domainId) kept.push(ref);
      }
      refs = kept;
    }
    const names = queryBool(request, 'include_names') ? new NameCache(svc.db) : undefined;
    const base = baseUrl(svc, request);
    const body: Array<Record<string, unknown>> = [];
    for (const ref of refs) body.push(await format(base, ref, names));
    return listBody(svc, request, 'role_assignments', body);
  });
}
