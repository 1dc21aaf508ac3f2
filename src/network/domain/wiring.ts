import { getNetwork } from '../db/networks.js';
import { listPorts, memberAddresses } from '../db/ports.js';
import { getGroup } from '../db/security-groups.js';
import { listAgents } from '../db/agents.js';
import { isAlive } from './agents.js';
import { allDhcpNetworks } from './dhcp.js';
import { routerWirings } from './router-wiring.js';
import type { GroupFilter, HostState, PortWiring } from '../dataplane/driver.js';
import type { Network, Port } from '../model.js';
import type { NetworkService } from '../service.js';

/** What an agent needs of a bound port (see dataplane/driver). */
export function portWiring(port: Port, network: Network): PortWiring {
  return {
    portId: port.id, networkId: port.networkId, host: port.binding.hostId, macAddress: port.macAddress, mtu: network.mtu,
    segment: { networkType: network.networkType, physicalNetwork: network.physicalNetwork, segmentationId: network.segmentationId },
    fixedIps: port.fixedIps.map((f) => ({ subnetId: f.subnetId, ipAddress: f.ipAddress })), deviceId: port.deviceId, deviceOwner: port.deviceOwner,
    adminStateUp: port.adminStateUp, portSecurityEnabled: port.portSecurityEnabled, securityGroupIds: port.securityGroups,
    allowedAddressPairs: port.allowedAddressPairs,
  };
}

/** Groups as filters: their rules and every member port's addresses (for remote-group rules). */
export async function groupFilters(svc: NetworkService, groupIds: readonly string[]): Promise<GroupFilter[]> {
  const ids = [...new Set(groupIds)];
  const addresses = await memberAddresses(svc.db, ids);
  const out: GroupFilter[] = [];
  for (const id of ids) {
    const g = await getGroup(svc.db, id);
    if (!g) continue;
    out.push({
      id, stateful: g.stateful,
      rules: g.rules.map((r) => ({
        direction: r.direction, ethertype: r.ethertype, protocol: r.protocol, portRangeMin: r.portRangeMin, portRangeMax: r.portRangeMax,
        remoteIpPrefix: r.remoteIpPrefix, remoteGroupId: r.remoteGroupId,
      })),
      memberIps: (addresses.get(id) ?? []).sort(),
    });
  }
  return out;
}

/** Groups a set of ports' filters depend on: their own, and those their rules name as remote. */
export async function groupsNeededBy(svc: NetworkService, ports: readonly PortWiring[]): Promise<GroupFilter[]> {
  const own = [...new Set(ports.flatMap((p) => p.securityGroupIds))];
  const first = await groupFilters(svc, own);
  const remote = first.flatMap((g) => g.rules.map((r) => r.remoteGroupId)).filter((id): id is string => id !== null && !own.includes(id));
  return [...first, ...await groupFilters(svc, remote)];
}

/** VXLAN endpoints of the live agents on other hosts. */
export async function tunnelPeers(svc: NetworkService, host: string): Promise<string[]> {
  const peers = new Set<string>();
  for (const a of await listAgents(svc.db)) {
    const ip = (JSON.parse(a.configurations) as { tunneling_ip?: unknown }).tunneling_ip;
    if (a.host !== host && typeof ip === 'string' && ip !== '' && isAlive(svc, a)) peers.add(ip);
  }
  return [...peers].sort();
}

/** Everything bound to one host, and the DHCP servers and routers it runs in those roles: what its agent reconciles to. */
export async function hostState(svc: NetworkService, host: string, roles: { dhcp: boolean; l3: boolean }): Promise<HostState> {
  const ports = await listPorts(svc.db, { hostId: host });
  const networks = new Map<string, Network>();
  const wirings: PortWiring[] = [];
  for (const p of ports) {
    const n = networks.get(p.networkId) ?? await getNetwork(svc.db, p.networkId);
    if (!n) continue;
    networks.set(n.id, n);
    wirings.push(portWiring(p, n));
  }
  return {
    host, ports: wirings, groups: await groupsNeededBy(svc, wirings), tunnelPeers: await tunnelPeers(svc, host),
    dhcpNetworks: roles.dhcp ? await allDhcpNetworks(svc) : [],
    routers: roles.l3 ? await routerWirings(svc) : [],
  };
}
