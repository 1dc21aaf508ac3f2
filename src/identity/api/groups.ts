import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { callerOf } from '../../core/auth/index.js';
import { ConflictError, NotFoundError } from '../../core/http/index.js';
import type { IdentityService } from '../service.js';
import { extraAttributes } from '../attributes.js';
import { notFound, validation } from '../errors.js';
import { isUniqueViolation, parseJson, toBool } from '../store/db.js';
import {
  addMember, deleteGroupRow, getGroupRow, groupHasAssignments, groupsOfUser, insertGroup, isMember, listGroupRows, memberIds,
  removeMember, updateGroupRow, type GroupRow,
} from '../store/groups.js';
import { getDomainRow } from '../store/projects.js';
import { getUserRow, usersInGroup, type UserRow } from '../store/users.js';
import { applyInexactFilters } from './list-filters.js';
import { authorize, created, listBody, queryBool, queryParam, selfLink, type Guard } from './kit.js';
import { userViews } from './users.js';

const groupProps = {
  name: Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' }),
  domain_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
};
const GroupCreate = Type.Object({ group: Type.Object(groupProps, { additionalProperties: true }) });
const GroupUpdate = Type.Object({ group: Type.Partial(Type.Object(groupProps, { additionalProperties: true }), { additionalProperties: true, minProperties: 1 }) });

const KNOWN = ['id', 'name', 'domain_id', 'description', 'links'];
export function groupView(svc: IdentityService, request: FastifyRequest, row: GroupRow): Record<string, unknown> {
  return {
    ...parseJson(row.extra),
    id: row.id,
    name: row.name,
    domain_id: row.domain_id,
    description: row.description ?? '',
    links: selfLink(svc, request, `groups/${row.id}`),
  };
}

const groupTarget = (group: GroupRow | undefined, user?: UserRow): Record<string, unknown> => ({
  target: {
    ...(group ? { group: { id: group.id, domain_id: group.domain_id, name: group.name } } : {}),
    ...(user ? { user: { id: user.id, domain_id: user.domain_id, name: user.name } } : {}),
  },
});

const conflict = (name: string, domainId: string): ConflictError =>
  new ConflictError(`Conflict occurred attempting to store group - Duplicate entry found with name ${name} at domain ID ${domainId}.`);

async function storeGroup(name: string, domainId: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(name, domainId);
    throw e;
  }
}

/** Loads group and user of a membership URL after checking the rule; 404 for either. */
async function loadMembership(svc: IdentityService, request: FastifyRequest<{ Params: { gid: string; uid: string } }>, action: string): Promise<{ group: GroupRow; user: UserRow }> {
  const group = await getGroupRow(svc.db, request.params.gid);
  const user = await getUserRow(svc.db, request.params.uid);
  authorize(svc, request, action, groupTarget(group, user));
  if (!group) throw notFound('group', request.params.gid);
  if (!user) throw notFound('user', request.params.uid);
  return { group, user };
}

export function registerGroupRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/groups', authed, async (request) => {
    const caller = callerOf(request);
    const ctx = authorize(svc, request, 'identity:list_groups', caller.domainId ? { target: { domain_id: caller.domainId } } : {});
    let rows = await listGroupRows(svc.db, { name: queryParam(request, 'name'), domainId: queryParam(request, 'domain_id') ?? ctx.domainId });
    if (ctx.domainId) rows = rows.filter((r) => r.domain_id === ctx.domainId);
    const views = rows.map((r) => groupView(svc, request, r));
    return listBody(svc, request, 'groups', applyInexactFilters(request, ['name', 'description'], views));
  });

  app.post('/v3/groups', { ...authed, schema: { body: GroupCreate } }, async (request, reply) => {
    const body = (request.body as Static<typeof GroupCreate>).group;
    const ctx = authorize(svc, request, 'identity:create_group', { target: { group: body } });
    const domainId = body.domain_id ?? ctx.domainId ?? 'default';
    if (!(await getDomainRow(svc.db, domainId))) throw notFound('domain', domainId);
    const row: GroupRow = {
      id: svc.ids.hex(), name: body.name.trim(), domain_id: domainId, description: body.description ?? '', extra: JSON.stringify(extraAttributes(body, KNOWN)),
    };
    await storeGroup(row.name, domainId, () => insertGroup(svc.db, row));
    return created(reply, { group: groupView(svc, request, row) });
  });

  app.get<{ Params: { id: string } }>('/v3/groups/:id', authed, async (request) => {
    const row = await getGroupRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:get_group', groupTarget(row));
    if (!row) throw notFound('group', request.params.id);
    return { group: groupView(svc, request, row) };
  });

  app.patch<{ Params: { id: string } }>('/v3/groups/:id', { ...authed, schema: { body: GroupUpdate } }, async (request) => {
    const row = await getGroupRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:update_group', groupTarget(row));
    if (!row) throw notFound('group', request.params.id);
    const body = (request.body as Static<typeof GroupUpdate>).group as Static<typeof GroupUpdate>['group'] & Record<string, unknown>;
    if (body['id'] !== undefined && body['id'] !== row.id) throw validation('Cannot change group ID');
    if (body.domain_id !== undefined && body.domain_id !== row.domain_id) throw validation('Cannot change Domain ID');
    const next: GroupRow = {
      ...row,
      name: body.name !== undefined ? body.name.trim() : row.name,
      description: body.description !== undefined ? body.description : row.description,
      extra: JSON.stringify({ ...parseJson(row.extra), ...extraAttributes(body, KNOWN) }),
    };
    const { id: _id, ...patch } = next;
    await storeGroup(next.name, next.domain_id, () => updateGroupRow(svc.db, row.id, patch));
    return { group: groupView(svc, request, next) };
  });

  app.delete<{ Params: { id: string } }>('/v3/groups/:id', authed, async (request, reply) => {
    const row = await getGroupRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:delete_group', groupTarget(row));
    if (!row) throw notFound('group', request.params.id);
    const { members, hadRoles } = await svc.db.transaction().execute(async (tx) => {
      const result = { members: await memberIds(tx, row.id), hadRoles: await groupHasAssignments(tx, row.id) };
      await deleteGroupRow(tx, row.id);
      return result;
    });
    // Members lose whatever the group's grants gave them: their tokens go too.
    if (hadRoles) for (const userId of members) await svc.revocations.revoke({ user_id: userId });
    return reply.status(204).send();
  });

  app.get<{ Params: { id: string } }>('/v3/groups/:id/users', authed, async (request) => {
    const row = await getGroupRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:list_users_in_group', groupTarget(row));
    if (!row) throw notFound('group', request.params.id);
    const name = queryParam(request, 'name');
    const domainId = queryParam(request, 'domain_id');
    const enabled = queryBool(request, 'enabled');
    const rows = (await usersInGroup(svc.db, row.id)).filter((u) => (name === undefined || u.name === name)
      && (domainId === undefined || u.domain_id === domainId) && (enabled === undefined || toBool(u.enabled) === enabled));
    return listBody(svc, request, 'users', applyInexactFilters(request, ['name', 'description', 'email'], await userViews(svc, request, rows)));
  });

  app.put<{ Params: { gid: string; uid: string } }>('/v3/groups/:gid/users/:uid', authed, async (request, reply) => {
    const { group, user } = await loadMembership(svc, request, 'identity:add_user_to_group');
    await addMember(svc.db, group.id, user.id);
    return reply.status(204).send();
  });

  app.get<{ Params: { gid: string; uid: string } }>('/v3/groups/:gid/users/:uid', authed, async (request, reply) => {
    const { group, user } = await loadMembership(svc, request, 'identity:check_user_in_group');
    if (!(await isMember(svc.db, group.id, user.id))) throw new NotFoundError(`User '${user.id}' not found in group '${group.id}'`);
    return reply.status(204).send();
  });

  app.delete<{ Params: { gid: string; uid: string } }>('/v3/groups/:gid/users/:uid', authed, async (request, reply) => {
    const { group, user } = await loadMembership(svc, request, 'identity:remove_user_from_group');
    if (!(await isMember(svc.db, group.id, user.id))) throw new NotFoundError(`User '${user.id}' not found in group '${group.id}'`);
    await removeMember(svc.db, group.id, user.id);
    await svc.revocations.revoke({ user_id: user.id });
    return reply.status(204).send();
  });

  app.get<{ Params: { id: string } }>('/v3/users/:id/groups', authed, async (request) => {
    const user = await getUserRow(svc.db, request.params.id);
    const caller = authorize(svc, request, 'identity:list_groups_for_user', {
      user_id: request.params.id, ...(user ? { target: { user: { id: user.id, domain_id: user.domain_id } } } : {}),
    });
    if (!user) throw notFound('user', request.params.id);
    const name = queryParam(request, 'name');
    let rows = (await groupsOfUser(svc.db, user.id)).filter((g) => name === undefined || g.name === name);
    if (caller.domainId) rows = rows.filter((g) => g.domain_id === caller.domainId);
    const views = rows.map((g) => ({ ...groupView(svc, request, g), membership_expires_at: null }));
    return listBody(svc, request, 'groups', applyInexactFilters(request, ['name', 'description'], views));
  });
}
