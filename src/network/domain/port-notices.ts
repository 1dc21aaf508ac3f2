import { getNetwork } from '../db/networks.js';
import type { Port } from '../model.js';
import type { NetworkService } from '../service.js';
import { groupsNeededBy, portWiring } from './wiring.js';

const bound = (p: Port | undefined): p is Port => Boolean(p && p.binding.hostId && p.binding.vifType !== 'binding_failed');

/**
 * Tells agents about a port change: the host it left unplugs it, the host it is bound
 * to plugs it (again), and every agent refreshes the groups whose members changed.
 */
export async function announcePortChange(svc: NetworkService, before: Port | undefined, after: Port | undefined): Promise<void> {
  if (bound(before) && (!bound(after) || after.binding.hostId !== before.binding.hostId)) {
    svc.notifier.portDeleted(before.binding.hostId, { port_id: before.id, network_id: before.networkId });
  }
  if (bound(after)) {
    const network = await getNetwork(svc.db, after.networkId);
    if (network) {
      const wiring = portWiring(after, network);
      svc.notifier.portUpdated(after.binding.hostId, { port: wiring, groups: await groupsNeededBy(svc, [wiring]) });
    }
  }
  const addresses = (p: Port | undefined): string => (p ? p.fixedIps.map((f) => f.ipAddress).join() : '');
  const dhcpFacts = (p: Port | undefined): string => (p ? `${p.macAddress}|${addresses(p)}|${JSON.stringify(p.extraDhcpOpts)}` : '');
  if (dhcpFacts(before) !== dhcpFacts(after)) svc.notifier.dhcpNetworksChanged([...new Set([before?.networkId, after?.networkId].filter((id): id is string => id !== undefined))]);
  const groups = (p: Port | undefined): string[] => p?.securityGroups ?? [];
  if (addresses(before) !== addresses(after) || groups(before).join() !== groups(after).join()) {
    svc.notifier.groupsUpdated([...groups(before), ...groups(after)]);
  }
}
