import type { RequestContext } from '../../core/auth/index.js';
import {
  defaultGroupId, defaultGroupIdsOf, deleteGroupRow, deleteRuleRow, getGroup, getRule, groupOwners, insertGroup, insertRule,
  listGroups, listRules, updateGroupRow,
} from '../db/security-groups.js';
import { inUse, NeutronError, notFound } from '../errors.js';
import type { SecurityGroup, SecurityGroupRule } from '../model.js';
import type { NetworkService } from '../service.js';
import { checkBools, checkStrings, ownerOf, rejectUnknown, toBool, type Body } from './attributes.js';
import { validateRule } from './rule-validation.js';
import { withinQuota } from './quotas.js';

export const groupNotFound = (id: string): NeutronError => notFound('SecurityGroupNotFound', `Security group ${id} does not exist`);
const ruleNotFound = (id: string): NeutronError => notFound('SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);

const groupTarget = (g: Pick<SecurityGroup, 'id' | 'projectId'>): Record<string, unknown> => ({ id: g.id, tenant_id: g.projectId, project_id: g.projectId });
const ruleTarget = (r: SecurityGroupRule, groupProject: string | undefined): Record<string, unknown> =>
  ({ id: r.id, tenant_id: r.projectId, project_id: r.projectId, 'security_group:tenant_id': groupProject ?? null });

function newRule(svc: NetworkService, projectId: string, groupId: string, fields: Omit<SecurityGroupRule, 'id' | 'projectId' | 'securityGroupId' | 'description' | 'revisionNumber' | 'createdAt' | 'updatedAt'>, description = ''): SecurityGroupRule {
  const now = svc.clock.now();
  return { id: svc.ids.uuid(), projectId, securityGroupId: groupId, description, revisionNumber: 0, createdAt: now, updatedAt: now, ...fields };
}

/** Neutron's rules for a new group: egress anywhere, for both IP versions. */
function egressRules(svc: NetworkService, projectId: string, groupId: string): SecurityGroupRule[] {
  return (['IPv4', 'IPv6'] as const).map((ethertype) => newRule(svc, projectId, groupId, {
    direction: 'egress', ethertype, protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null,
  }));
}

function blankGroup(svc: NetworkService, projectId: string, name: string, description: string, stateful: boolean): SecurityGroup {
  const now = svc.clock.now();
  const id = svc.ids.uuid();
  return { id, projectId, name, description, stateful, rules: egressRules(svc, projectId, id), revisionNumber: 1, createdAt: now, updatedAt: now, tags: [] };
}

/**
 * The project's `default` group, created on first use with Neutron's rules (egress
 * anywhere; ingress from members of the same group). Parallel first uses race on the
 * default slot's primary key: one group wins, the others are rolled back.
 */
export async function ensureDefaultGroup(svc: NetworkService, projectId: string): Promise<string> {
  const existing = await defaultGroupId(svc.db, projectId);
  if (existing) return existing;
  const group = blankGroup(svc, projectId, 'default', 'Default security group', true);
  for (const ethertype of ['IPv4', 'IPv6'] as const) {
    group.rules.push(newRule(svc, projectId, group.id, {
      direction: 'ingress', ethertype, protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: group.id,
    }));
  }
  if (await insertGroup(svc.db, group, true)) return group.id;
  return (await defaultGroupId(svc.db, projectId))!;
}

/** Security groups a port gets when none are named: its project's default group. */
export async function defaultGroupIds(svc: NetworkService, projectId: string): Promise<string[]> {
  return [await ensureDefaultGroup(svc, projectId)];
}

/** Neutron's check for a port's groups: each must exist and belong to the port's project. */
export async function assertGroupsUsable(svc: NetworkService, projectId: string, ids: readonly string[]): Promise<void> {
  const owners = await groupOwners(svc.db, ids);
  const missing = ids.filter((id) => owners.get(id) !== projectId);
  if (missing.length) throw groupNotFound(missing.join(', '));
}

const GROUP_CREATE = new Set(['name', 'description', 'tenant_id', 'project_id', 'stateful']);
const GROUP_UPDATE = new Set(['name', 'description', 'stateful']);

export async function createGroup(svc: NetworkService, ctx: RequestContext, body: Body): Promise<SecurityGroup> {
  rejectUnknown(body, GROUP_CREATE);
  checkStrings(body, { name: 255, description: 255 });
  checkBools(body, ['stateful']);
  const projectId = ownerOf(body, ctx.projectId ?? null, svc.isAdmin(ctx));
  const name = (body['name'] as string | undefined) ?? '';
  const group = blankGroup(svc, projectId, name, (body['description'] as string | undefined) ?? '', toBool(body['stateful'], true));
  svc.authorize(ctx, 'create_security_group', groupTarget(group));
  await ensureDefaultGroup(svc, projectId);
  if (name === 'default') throw new NeutronError(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
  return withinQuota(svc, projectId, 'security_group', async () => {
    await insertGroup(svc.db, group, false);
    return group;
  });
}

export async function visibleGroup(svc: NetworkService, ctx: RequestContext, id: string): Promise<SecurityGroup> {
  const g = await getGroup(svc.db, id);
  if (!g || !svc.allowed(ctx, 'get_security_group', groupTarget(g))) throw groupNotFound(id);
  return g;
}

/** Groups the caller may see; the caller's project gets its default group on first look. */
export async function visibleGroups(svc: NetworkService, ctx: RequestContext): Promise<SecurityGroup[]> {
  if (ctx.projectId) await ensureDefaultGroup(svc, ctx.projectId);
  const groups = await listGroups(svc.db, svc.isAdmin(ctx) ? undefined : ctx.projectId ?? '');
  return groups.filter((g) => svc.allowed(ctx, 'get_security_group', groupTarget(g)));
}

export async function updateGroup(svc: NetworkService, ctx: RequestContext, id: string, body: Body): Promise<SecurityGroup> {
  rejectUnknown(body, GROUP_UPDATE);
  checkStrings(body, { name: 255, description: 255 });
  checkBools(body, ['stateful']);
  const g = await visibleGroup(svc, ctx, id);
  svc.authorize(ctx, 'update_security_group', groupTarget(g));
  const isDefault = (await defaultGroupIdsOf(svc.db, [id])).has(id);
  if (isDefault && body['name'] !== undefined && body['name'] !== 'default') {
    throw new NeutronError(409, 'SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
  }
  if (!isDefault && body['name'] === 'default') throw new NeutronError(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
  if (body['name'] !== undefined) g.name = body['name'] as string;
  if (body['description'] !== undefined) g.description = body['description'] as string;
  if (body['stateful'] !== undefined) g.stateful = toBool(body['stateful'], true);
  g.revisionNumber += 1;
  g.updatedAt = svc.clock.now();
  await updateGroupRow(svc.db, g);
  return g;
}

export async function deleteGroup(svc: NetworkService, ctx: RequestContext, id: string): Promise<void> {
  const g = await visibleGroup(svc, ctx, id);
  svc.authorize(ctx, 'delete_security_group', groupTarget(g));
  if (!svc.isAdmin(ctx) && (await defaultGroupIdsOf(svc.db, [id])).has(id)) {
    throw new NeutronError(409, 'SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
  }
  const outcome = await deleteGroupRow(svc.db, id);
  if (outcome === 'not-found') throw groupNotFound(id);
  if (outcome === 'in-use') throw inUse('SecurityGroupInUse', `Security Group ${id} in use.`);
}

const RULE_CREATE = new Set(['security_group_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max',
  'remote_ip_prefix', 'remote_group_id', 'description', 'tenant_id', 'project_id', 'remote_address_group_id']);

export async function createRule(svc: NetworkService, ctx: RequestContext, body: Body): Promise<SecurityGroupRule> {
  rejectUnknown(body, RULE_CREATE);
  checkStrings(body, { description: 255 });
  if (body['remote_address_group_id'] !== undefined && body['remote_address_group_id'] !== null) {
    throw new NeutronError(400, 'HTTPBadRequest', 'Address groups are not implemented by this cloud.');
  }
  const fields = validateRule(body);
  if (body['security_group_id'] === undefined) throw new NeutronError(400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'security_group_id' not specified");
  const group = await visibleGroup(svc, ctx, String(body['security_group_id']));
  const projectId = ownerOf(body, ctx.projectId ?? null, svc.isAdmin(ctx));
  if (fields.remoteGroupId !== null && fields.remoteGroupId !== group.id) await visibleGroup(svc, ctx, fields.remoteGroupId);
  const rule = newRule(svc, projectId, group.id, fields, (body['description'] as string | undefined) ?? '');
  svc.authorize(ctx, 'create_security_group_rule', { ...ruleTarget(rule, group.projectId) });
  // Rules go into the group's owner's project when an admin adds them for someone else.
  if (svc.isAdmin(ctx) && body['project_id'] === undefined && body['tenant_id'] === undefined) rule.projectId = group.projectId;
  return withinQuota(svc, rule.projectId, 'security_group_rule', async () => {
    const { duplicateOf } = await insertRule(svc.db, rule);
    if (duplicateOf) throw new NeutronError(409, 'SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${duplicateOf}.`);
    svc.notifier.groupsUpdated([rule.securityGroupId]);
    return rule;
  });
}

export async function visibleRule(svc: NetworkService, ctx: RequestContext, id: string): Promise<SecurityGroupRule> {
  const r = await getRule(svc.db, id);
  const owner = r && (await groupOwners(svc.db, [r.securityGroupId])).get(r.securityGroupId);
  if (!r || !svc.allowed(ctx, 'get_security_group_rule', ruleTarget(r, owner))) throw ruleNotFound(id);
  return r;
}

export async function visibleRules(svc: NetworkService, ctx: RequestContext): Promise<SecurityGroupRule[]> {
  if (svc.isAdmin(ctx)) return listRules(svc.db);
  const groups = await visibleGroups(svc, ctx);
  const owners = new Map(groups.map((g) => [g.id, g.projectId]));
  return (await listRules(svc.db, [...owners.keys()])).filter((r) => svc.allowed(ctx, 'get_security_group_rule', ruleTarget(r, owners.get(r.securityGroupId))));
}

export async function deleteRule(svc: NetworkService, ctx: RequestContext, id: string): Promise<void> {
  const r = await visibleRule(svc, ctx, id);
  const owner = (await groupOwners(svc.db, [r.securityGroupId])).get(r.securityGroupId);
  svc.authorize(ctx, 'delete_security_group_rule', ruleTarget(r, owner));
  if (!(await deleteRuleRow(svc.db, id))) throw ruleNotFound(id);
  svc.notifier.groupsUpdated([r.securityGroupId]);
}
