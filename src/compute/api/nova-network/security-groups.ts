import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../../core/auth/index.js';
import { getInstance } from '../../domain/instances.js';
import {
  checkGroupText, createGroup, destroyGroup, getGroup, listGroups, remoteGroupLookup, serverGroups, updateGroup,
} from '../../domain/secgroup-proxy.js';
import { checkGroupId } from '../../domain/secgroup-rules.js';
import { badRequest, notFound } from '../../errors.js';
import type { ComputeService } from '../../service.js';
import type { Guard } from '../index.js';
import { bodyPart, UNTIL_2_35 } from './proxy-request.js';
import { groupListView, groupView } from './security-group-views.js';

type IdParams = { Params: { id: string } };
type Query = Record<string, string | string[] | undefined>;

const MAX_LIMIT = 1000;

/** Nova's limit/offset on this list: non-negative integers (the last of repeated ones), limit 0 meaning the maximum. */
function pageOf(query: Query): { offset: number; limit: number } {
  const read = (key: string): number | undefined => {
    const raw = query[key];
    const text = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (text === undefined) return undefined;
    if (!/^[0-9]+$/.test(text)) throw badRequest(`Invalid input for query parameters ${key}. Value: ${text}. '${text}' does not match '^[0-9]*$'`);
    return Number(text);
  };
  const limit = read('limit');
  return { offset: read('offset') ?? 0, limit: Math.min(MAX_LIMIT, limit || MAX_LIMIT) };
}

/** The name and description a create or update carries, checked as Nova does (strings of at most 255 characters). */
function groupText(body: unknown): { name: string; description: string } {
  const group = bodyPart(body, 'security_group');
  return { name: checkGroupText(group['name'], 'name'), description: checkGroupText(group['description'], 'description') };
}

/**
 * os-security-groups (until 2.35) and a server's groups: Nova's proxy to the network
 * service, with the caller's token, showing ingress rules in nova-network's shape.
 */
export function registerSecurityGroupRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const until235 = { ...authed, ...UNTIL_2_35 };
  const net = (token: string) => svc.clients.network(token);

  app.get<{ Querystring: Query }>('/v2.1/os-security-groups', until235, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-security-groups:get');
    const { offset, limit } = pageOf(request.query);
    const all = svc.isAdmin(ctx) && request.query.all_tenants !== undefined;
    const groups = (await listGroups(net(ctx.token), ctx.projectId ?? '', all)).slice(offset, offset + limit);
    return { security_groups: await groupListView(groups, remoteGroupLookup(net(ctx.token), groups)) };
  });

  app.post('/v2.1/os-security-groups', until235, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-security-groups:create');
    const { name, description } = groupText(request.body);
    const group = await createGroup(net(ctx.token), name, description);
    return { security_group: await groupView(group, remoteGroupLookup(net(ctx.token), [group])) };
  });

  app.get<IdParams>('/v2.1/os-security-groups/:id', until235, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-security-groups:show');
    const group = await getGroup(net(ctx.token), checkGroupId(request.params.id));
    return { security_group: await groupView(group, remoteGroupLookup(net(ctx.token), [group])) };
  });

  app.put<IdParams>('/v2.1/os-security-groups/:id', until235, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-security-groups:update');
    const found = await getGroup(net(ctx.token), checkGroupId(request.params.id));
    const { name, description } = groupText(request.body);
    const group = await updateGroup(net(ctx.token), found.id, name, description);
    return { security_group: await groupView(group, remoteGroupLookup(net(ctx.token), [group])) };
  });

  app.delete<IdParams>('/v2.1/os-security-groups/:id', until235, async (request, reply) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-security-groups:delete');
    // DELETE /os-security-groups/ names no group: nothing there to delete.
    if (request.params.id === '') throw notFound('The resource could not be found.');
    const group = await getGroup(net(ctx.token), checkGroupId(request.params.id));
    await destroyGroup(net(ctx.token), group.id);
    return reply.status(202).send();
  });

  // Not deprecated with the rest: a server's groups are listed at every microversion.
  app.get<{ Params: { server_id: string } }>('/v2.1/servers/:server_id/os-security-groups', authed, async (request) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.server_id);
    svc.authorize(ctx, 'os_compute_api:os-security-groups:list', { project_id: row.project_id });
    const groups = await serverGroups(net(ctx.token), row.uuid);
    return { security_groups: await groupListView(groups, remoteGroupLookup(net(ctx.token), groups)) };
  });
}
