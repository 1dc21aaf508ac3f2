import type { NetworkClient } from '../../network/contract/client.js';
import { badRequest, forbidden, notFound, NovaError } from '../errors.js';
import { translated } from './neutron-faults.js';
import { existingRule, neutronRuleBody, novaGroup, novaRule, type NewRule, type NovaGroup, type NovaRule } from './secgroup-rules.js';

/**
 * Nova's neutron-backed security group calls (nova/network/security_group_api.py), made
 * with the caller's own network client so they see and change only what they may.
 */

export const groupNotFound = (id: string) => notFound(`Security group ${id} not found.`);

/** oslo's check_string_length as Nova applies it to a group's name and description (0-255 characters). */
export function checkGroupText(value: unknown, field: 'name' | 'description'): string {
  if (typeof value !== 'string') throw badRequest(`${field} is not a string or unicode`);
  if (value.length > 255) throw badRequest(`${field} has ${value.length} characters, more than 255.`);
  return value;
}

export async function getGroup(net: NetworkClient, id: string): Promise<NovaGroup> {
  return novaGroup(await translated(() => net.securityGroup(id), (f) => (f.status === 404 ? groupNotFound(id) : undefined)));
}

/** The project's groups, or every group the caller can see when an admin asks for all_tenants. */
export async function listGroups(net: NetworkClient, projectId: string, allTenants: boolean): Promise<NovaGroup[]> {
  return (await net.securityGroups(allTenants ? {} : { tenant_id: projectId })).map(novaGroup);
}

export async function createGroup(net: NetworkClient, name: string, description: string): Promise<NovaGroup> {
  return novaGroup(await translated(() => net.createSecurityGroup({ name, description }), (f) => {
    if (f.status === 400 || f.status === 401) return badRequest(f.message);
    // Neutron's 409s here are quota and the reserved "default" name; Nova reports both as over limit.
    if (f.status === 409) return forbidden(f.message);
    return undefined;
  }));
}

export async function updateGroup(net: NetworkClient, id: string, name: string, description: string): Promise<NovaGroup> {
  return novaGroup(await translated(() => net.updateSecurityGroup(id, { name, description }), (f) => {
    if (f.status === 404) return groupNotFound(id);
    // Nova lets Neutron's 409 (renaming the default group) through as a 500; a 400 tells the user why.
    if (f.status === 400 || f.status === 401 || f.status === 409) return badRequest(f.message);
    return undefined;
  }));
}

/** Deletes a group; Neutron's conflicts (in use, the default group) are Nova's 400. */
export async function destroyGroup(net: NetworkClient, id: string): Promise<void> {
  await translated(() => net.deleteSecurityGroup(id), (f) => (f.status === 404 ? groupNotFound(id) : f.status === 409 ? badRequest(f.message) : undefined));
}

/** Adds an ingress rule unless the group already has an equal one (Nova's own check, then Neutron's). */
export async function addRule(net: NetworkClient, parent: NovaGroup, rule: NewRule): Promise<NovaRule> {
  if (existingRule(parent, rule) !== null) throw badRequest(`This rule already exists in group ${parent.id}`);
  return novaRule(await translated(() => net.createSecurityGroupRule(neutronRuleBody(parent.id, rule)), (f) => {
    if (f.status === 404) return notFound(f.message);
    if (f.status === 409) return forbidden(f.message);
    if (f.status === 400) return badRequest(f.message);
    return undefined;
  }));
}

export async function getRule(net: NetworkClient, id: string): Promise<NovaRule> {
  return novaRule(await translated(() => net.securityGroupRule(id), (f) => (f.status === 404 ? notFound(f.message) : undefined)));
}

export async function removeRule(net: NetworkClient, id: string): Promise<void> {
  await translated(() => net.deleteSecurityGroupRule(id), (f) => (f.status === 404 ? notFound(f.message) : undefined));
}

/** The groups on a server's ports, once per port as Nova lists them; groups the caller cannot see are left out. */
export async function serverGroups(net: NetworkClient, uuid: string): Promise<NovaGroup[]> {
  const ports = await net.ports({ device_id: uuid });
  const ids = [...new Set(ports.flatMap((p) => p.security_groups))];
  if (ids.length === 0) return [];
  const groups = new Map((await net.securityGroups({ id: ids })).map((g) => [g.id, novaGroup(g)]));
  return ports.flatMap((p) => p.security_groups.flatMap((id) => groups.get(id) ?? []));
}

/** Name and owner of a rule's remote group, or null when it is gone or hidden from the caller. */
export type RemoteGroupLookup = (groupId: string) => Promise<{ name: string; tenant_id: string } | null>;

/** Looks remote groups up once each, starting from the groups already at hand. */
export function remoteGroupLookup(net: NetworkClient, known: readonly NovaGroup[]): RemoteGroupLookup {
  const cache = new Map<string, Promise<{ name: string; tenant_id: string } | null>>(
    known.map((g) => [g.id, Promise.resolve({ name: g.name, tenant_id: g.projectId })]));
  return (groupId) => {
    let found = cache.get(groupId);
    if (!found) {
      found = getGroup(net, groupId).then((g) => ({ name: g.name, tenant_id: g.projectId }), (e: unknown) => {
        if (e instanceof NovaError && e.status === 404) return null;
        throw e;
      });
      cache.set(groupId, found);
    }
    return found;
  };
}
