import type { RemoteGroupLookup } from '../../domain/secgroup-proxy.js';
import type { NovaGroup, NovaRule } from '../../domain/secgroup-rules.js';

type View = Record<string, unknown>;

/**
 * A rule as os-security-groups shows it: a group rule names its remote group (and is left
 * out when that group is gone or hidden), any other rule shows its CIDR.
 */
export async function ruleView(rule: NovaRule, remote: RemoteGroupLookup | { name: string; tenant_id: string }): Promise<View | null> {
  const view: View = {
    id: rule.id, parent_group_id: rule.parentGroupId, ip_protocol: rule.protocol, from_port: rule.fromPort, to_port: rule.toPort, group: {}, ip_range: {},
  };
  if (rule.groupId) {
    const group = typeof remote === 'function' ? await remote(rule.groupId) : remote;
    if (!group) return null;
    view.group = { name: group.name, tenant_id: group.tenant_id };
  } else {
    view.ip_range = { cidr: rule.cidr };
  }
  return view;
}

export async function groupView(group: NovaGroup, remote: RemoteGroupLookup): Promise<View> {
  const rules = await Promise.all(group.rules.map((r) => ruleView(r, remote)));
  return { id: group.id, description: group.description, name: group.name, tenant_id: group.projectId, rules: rules.filter((r) => r !== null) };
}

/** Nova lists groups ordered by project, then name. */
export async function groupListView(groups: readonly NovaGroup[], remote: RemoteGroupLookup): Promise<View[]> {
  const views = await Promise.all(groups.map((g) => groupView(g, remote)));
  const key = (v: View): string => `${String(v.tenant_id)}\u0000${String(v.name)}`;
  return views.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
