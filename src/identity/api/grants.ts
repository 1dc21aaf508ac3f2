import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../core/http/index.js';
import type { IdentityService } from '../service.js';
import { forbidden, notFound, validation } from '../errors.js';
import { deleteGrant, grantedRoleIds, hasGrant, insertGrant, SYSTEM_TARGET, type Grant } from '../store/assignments.js';
import { getGroupRow } from '../store/groups.js';
import { getDomainRow, getProjectRow } from '../store/projects.js';
import { getRoleRow, rolesByIds, type RoleRow } from '../store/roles.js';
import { NULL_DOMAIN, type AssignmentType } from '../store/schema.js';
import { getUserRow } from '../store/users.js';
import { authorize, listBody, type Guard } from './kit.js';
import { roleDomainId, roleView } from './roles.js';

type Actor = 'user' | 'group';
type Target = 'project' | 'domain' | 'system';

/** One family of grant URLs, e.g. /v3/OS-INHERIT/domains/{d}/groups/{g}/roles[/{r}]/inherited_to_projects. */
interface GrantFamily {
  actor: Actor;
  target: Target;
  inherited: boolean;
  /** Keystone has no list call for project-inherited grants. */
  listable: boolean;
}

const TYPES: Record<Actor, Record<Target, AssignmentType>> = {
  user: { project: 'UserProject', domain: 'UserDomain', system: 'UserSystem' },
  group: { project: 'GroupProject', domain: 'GroupDomain', system: 'GroupSystem' },
};

const families: GrantFamily[] = [];
for (const actor of ['user', 'group'] as const) {
  for (const target of ['project', 'domain', 'system'] as const) families.push({ actor, target, inherited: false, listable: true });
  families.push({ actor, target: 'domain', inherited: true, listable: true });
  families.push({ actor, target: 'project', inherited: true, listable: false });
}

/** Base path (up to and excluding /roles) and suffix of a family's URLs. */
function pathsOf(f: GrantFamily): { base: string; suffix: string } {
  const actorPart = `${f.actor}s/:actor_id`;
  const targetPart = f.target === 'system' ? 'system' : `${f.target}s/:target_id`;
  return f.inherited
    ? { base: `/v3/OS-INHERIT/${targetPart}/${actorPart}`, suffix: '/inherited_to_projects' }
    : { base: `/v3/${targetPart}/${actorPart}`, suffix: '' };
}

type Params = { actor_id: string; target_id?: string; role_id?: string };

const assignmentNotFound = (roleId: string, actorId: string, targetId: string): NotFoundError =>
  new NotFoundError(`Could not find role assignment with role: ${roleId}, user or group: ${actorId}, project, domain, or system: ${targetId}.`);

/** Policy rule names: system grants have their own. */
function ruleName(f: GrantFamily, op: 'check' | 'list' | 'create' | 'revoke'): string {
  if (f.target === 'system') return `identity:${op}_system_grant${op === 'list' ? 's' : ''}_for_${f.actor}`;
  return op === 'list' ? 'identity:list_grants' : `identity:${op}_grant`;
}

interface Resolved {
  grant: Omit<Grant, 'roleId'>;
  role?: RoleRow;
  projectDomainId?: string;
}

/**
 * Loads what a grant call names, 404 for anything missing (the actor may be missing
 * on revoke, as Keystone allows cleaning up after a deleted user), then checks policy.
 */
async function resolve(svc: IdentityService, request: FastifyRequest, f: GrantFamily, op: 'check' | 'list' | 'create' | 'revoke'): Promise<Resolved> {
  const p = request.params as Params;
  const target: Record<string, unknown> = {};
  let role: RoleRow | undefined;
  if (p.role_id !== undefined) {
    role = await getRoleRow(svc.db, p.role_id);
    if (!role) throw notFound('role', p.role_id);
    target['target.role.id'] = role.id;
    target['target.role.domain_id'] = roleDomainId(role);
  }
  if (f.actor === 'user') {
    const user = await getUserRow(svc.db, p.actor_id);
    if (!user && op !== 'revoke') throw notFound('user', p.actor_id);
    if (user) Object.assign(target, { 'target.user.id': user.id, 'target.user.domain_id': user.domain_id });
  } else {
    const group = await getGroupRow(svc.db, p.actor_id);
    if (!group && op !== 'revoke') throw notFound('group', p.actor_id);
    if (group) Object.assign(target, { 'target.group.id': group.id, 'target.group.domain_id': group.domain_id });
  }
  let targetId = SYSTEM_TARGET;
  let projectDomainId: string | undefined;
  if (f.target === 'domain') {
    const domain = await getDomainRow(svc.db, p.target_id ?? '');
    if (!domain) throw notFound('domain', p.target_id ?? '');
    targetId = domain.id;
    target['target.domain.id'] = domain.id;
  } else if (f.target === 'project') {
    const project = await getProjectRow(svc.db, p.target_id ?? '');
    if (!project) throw notFound('project', p.target_id ?? '');
    targetId = project.id;
    projectDomainId = project.domain_id;
    Object.assign(target, { 'target.project.id': project.id, 'target.project.domain_id': project.domain_id });
  }
  authorize(svc, request, ruleName(f, op), target);
  return {
    grant: { type: TYPES[f.actor][f.target], actorId: p.actor_id, targetId, inherited: f.inherited },
    ...(role ? { role } : {}),
    ...(projectDomainId !== undefined ? { projectDomainId } : {}),
  };
}

/** Role grants on projects, domains and the system, direct and OS-INHERIT. */
export function registerGrantRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  for (const f of families) {
    const { base, suffix } = pathsOf(f);
    const member = `${base}/roles/:role_id${suffix}`;

    if (f.listable) {
      app.get(`${base}/roles${suffix}`, authed, async (request) => {
        const { grant } = await resolve(svc, request, f, 'list');
        const ids = await grantedRoleIds(svc.db, grant.type, grant.actorId, grant.targetId, grant.inherited);
        const rows = (await rolesByIds(svc.db, ids)).sort((a, b) => a.name.localeCompare(b.name));
        return listBody(svc, request, 'roles', rows.map((r) => roleView(svc, request, r)));
      });
    }

    // GET and HEAD both check a grant and answer 204, as Keystone does.
    app.get(member, authed, async (request, reply) => {
      const { grant, role } = await resolve(svc, request, f, 'check');
      const full: Grant = { ...grant, roleId: (role as RoleRow).id };
      if (!(await hasGrant(svc.db, full))) throw assignmentNotFound(full.roleId, full.actorId, full.targetId);
      return reply.status(204).send();
    });

    app.put(member, authed, async (request, reply) => {
      const { grant, role, projectDomainId } = await resolve(svc, request, f, 'create');
      const r = role as RoleRow;
      if (f.target === 'system' && r.domain_id !== NULL_DOMAIN) {
        throw validation(`Role ${r.id} is a domain-specific role. Unable to use a domain-specific role in a system assignment.`);
      }
      if (f.target === 'project' && r.domain_id !== NULL_DOMAIN && r.domain_id !== projectDomainId) {
        throw forbidden(`Project ${grant.targetId} must be in the same domain as the role ${r.id} being assigned.`);
      }
      await insertGrant(svc.db, { ...grant, roleId: r.id });
      return reply.status(204).send();
    });

    // Roles are computed when a token is validated and the onSend hook drops memoised
    // validations, so a revoked grant stops working at once without a revocation event.
    app.delete(member, authed, async (request, reply) => {
      const { grant, role } = await resolve(svc, request, f, 'revoke');
      const full: Grant = { ...grant, roleId: (role as RoleRow).id };
      if (!(await hasGrant(svc.db, full))) throw assignmentNotFound(full.roleId, full.actorId, full.targetId);
      await deleteGrant(svc.db, full);
      return reply.status(204).send();
    });
  }
}
