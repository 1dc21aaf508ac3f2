import type { RequestContext } from '../../core/auth/index.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import { limitsFor } from './quotas.js';

export const GROUP_POLICIES = ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'] as const;
export type GroupPolicy = (typeof GROUP_POLICIES)[number];

export interface ServerGroup {
  id: number;
  uuid: string;
  name: string;
  project_id: string;
  user_id: string;
  policy: GroupPolicy;
  rules: { max_server_per_host?: number };
  members: string[];
}

type GroupRow = { id: number; uuid: string; name: string; project_id: string; user_id: string; policy: string; rules: string };

async function withMembers(svc: ComputeService, rows: GroupRow[]): Promise<ServerGroup[]> {
  const members = rows.length
    ? await svc.db.selectFrom('server_group_members').innerJoin('instances', 'instances.uuid', 'server_group_members.instance_uuid')
      .select(['group_uuid', 'instance_uuid']).where('group_uuid', 'in', rows.map((r) => r.uuid)).where('instances.deleted_at', 'is', null).execute()
    : [];
  return rows.map((r) => ({
    ...r, policy: r.policy as GroupPolicy, rules: JSON.parse(r.rules) as ServerGroup['rules'],
    members: members.filter((m) => m.group_uuid === r.uuid).map((m) => m.instance_uuid),
  }));
}

export async function getServerGroup(svc: ComputeService, ctx: RequestContext | null, uuid: string): Promise<ServerGroup> {
  const row = await svc.db.selectFrom('server_groups').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  if (!row || (ctx && !svc.isAdmin(ctx) && row.project_id !== ctx.projectId)) throw notFound(`Instance group ${uuid} could not be found.`);
  return (await withMembers(svc, [row]))[0]!;
}

export async function listServerGroups(svc: ComputeService, projectId: string | null): Promise<ServerGroup[]> {
  let q = svc.db.selectFrom('server_groups').selectAll().orderBy('id');
  if (projectId !== null) q = q.where('project_id', '=', projectId);
  return withMembers(svc, await q.execute());
}

export async function createServerGroup(svc: ComputeService, ctx: RequestContext, name: string, policy: GroupPolicy, rules: ServerGroup['rules']): Promise<ServerGroup> {
  const projectId = ctx.projectId ?? '';
  return svc.quotaLocks.run(projectId, async () => {
    const limit = (await limitsFor(svc, projectId, ctx.userId)).server_groups;
    const { n } = await svc.db.selectFrom('server_groups').select((eb) => eb.fn.countAll<number | string>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    if (limit >= 0 && Number(n) >= limit) throw forbidden('Quota exceeded, too many server groups.');
    const uuid = svc.ids.uuid();
    await svc.db.insertInto('server_groups').values({ uuid, name, project_id: projectId, user_id: ctx.userId, policy, rules: JSON.stringify(rules), created_at: svc.now() }).execute();
    return getServerGroup(svc, null, uuid);
  });
}

export async function deleteServerGroup(svc: ComputeService, ctx: RequestContext, uuid: string): Promise<void> {
  const group = await getServerGroup(svc, ctx, uuid);
  await svc.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('server_group_members').where('group_uuid', '=', group.uuid).execute();
    await tx.deleteFrom('server_groups').where('uuid', '=', group.uuid).execute();
  });
}

/** The group a boot names in its `group` hint, checked for room for `count` more members. */
export async function groupForBoot(svc: ComputeService, ctx: RequestContext, uuid: string, count: number): Promise<ServerGroup> {
  const group = await getServerGroup(svc, ctx, uuid).catch(() => { throw badRequest(`Invalid server group ${uuid}`); });
  const limit = (await limitsFor(svc, group.project_id, ctx.userId)).server_group_members;
  if (limit >= 0 && group.members.length + count > limit) throw forbidden('Quota exceeded, too many servers in group');
  return group;
}

/** Hosts the group's other members run on, with how many members each (for the affinity filters and weighers). */
export async function groupHosts(svc: ComputeService, groupUuid: string, except: string): Promise<Map<string, number>> {
  const rows = await svc.db.selectFrom('server_group_members').innerJoin('instances', 'instances.uuid', 'server_group_members.instance_uuid')
    .select('instances.host').where('group_uuid', '=', groupUuid).where('instances.deleted_at', 'is', null).where('instances.host', 'is not', null)
    .where('instances.uuid', '!=', except).execute();
  const out = new Map<string, number>();
  for (const r of rows) out.set(r.host!, (out.get(r.host!) ?? 0) + 1);
  return out;
}
