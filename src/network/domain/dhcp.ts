import { createHash } from 'node:crypto';
import { getNetwork } from '../db/networks.js';
import { deletePortRow, getPort, listPorts, updatePortRow } from '../db/ports.js';
import { listSubnets } from '../db/subnets.js';
import type { DhcpHost, DhcpNetwork, PortWiring } from '../dataplane/driver.js';
import { generateMac } from '../ipam/mac.js';
import { DEVICE_OWNER, type Network, type Port, type Subnet } from '../model.js';
import type { NetworkService } from '../service.js';
import { allocateAddresses } from './ip-allocation.js';
import { announcePortChange } from './port-notices.js';
import { savePort } from './ports.js';
import { portWiring } from './wiring.js';

/**
 * The DHCP side of the network service (what Neutron's DHCP agent RPC does): which
 * networks need a DHCP server and what it serves, and the DHCP port each serving host
 * gets on a network, with an address in every DHCP-enabled subnet.
 */

/** Neutron's default DHCP host name: `host-` and the address with dashes. */
const defaultHostname = (ip: string): string => `host-${ip.replace(/[.:]/g, '-')}`;

/** RFC 4122 name-based (SHA-1) UUID: Neutron names a host's DHCP device `dhcp<uuid5(DNS, host)>-<network>`. */
function uuid5(name: string): string {
  const dnsNamespace = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
  const h = createHash('sha1').update(dnsNamespace).update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export const dhcpDeviceId = (host: string, networkId: string): string => `dhcp${uuid5(host)}-${networkId}`;

function dhcpHost(port: Port, dhcpSubnets: Set<string>): DhcpHost | undefined {
  const fixedIps = port.fixedIps.filter((f) => dhcpSubnets.has(f.subnetId));
  if (fixedIps.length === 0) return undefined;
  const first = fixedIps.find((f) => !f.ipAddress.includes(':')) ?? fixedIps[0]!;
  return { portId: port.id, macAddress: port.macAddress, fixedIps, hostname: defaultHostname(first.ipAddress), extraDhcpOpts: port.extraDhcpOpts };
}

/** What one network's DHCP servers serve: its DHCP subnets and every port with an address in one. */
export async function dhcpNetwork(svc: NetworkService, network: Network): Promise<DhcpNetwork> {
  const subnets = (await listSubnets(svc.db, [network.id])).filter((s) => s.enableDhcp);
  const ids = new Set(subnets.map((s) => s.id));
  const hosts = subnets.length === 0 ? [] : (await listPorts(svc.db, { networkId: network.id }))
    .map((p) => dhcpHost(p, ids)).filter((h): h is DhcpHost => h !== undefined);
  return {
    networkId: network.id, mtu: network.mtu, hosts,
    subnets: subnets.map((s) => ({
      id: s.id, cidr: s.cidr, ipVersion: s.ipVersion, gatewayIp: s.gatewayIp, dnsNameservers: s.dnsNameservers, hostRoutes: s.hostRoutes,
      ipv6AddressMode: s.ipv6AddressMode, ipv6RaMode: s.ipv6RaMode,
    })),
  };
}

/** The DHCP networks of these network ids (a deleted network comes back with no subnets: its servers go). */
export async function dhcpNetworks(svc: NetworkService, networkIds: readonly string[]): Promise<DhcpNetwork[]> {
  const out: DhcpNetwork[] = [];
  for (const id of new Set(networkIds)) {
    const network = await getNetwork(svc.db, id);
    out.push(network ? await dhcpNetwork(svc, network) : { networkId: id, mtu: 0, subnets: [], hosts: [] });
  }
  return out;
}

/** Every network that needs a DHCP server (one with a DHCP-enabled subnet). */
export async function allDhcpNetworks(svc: NetworkService): Promise<DhcpNetwork[]> {
  const ids = [...new Set((await listSubnets(svc.db)).filter((s) => s.enableDhcp).map((s) => s.networkId))];
  return (await dhcpNetworks(svc, ids)).filter((n) => n.subnets.length > 0);
}

/** Whether a port's addresses are exactly one in each of these subnets (IPv4 and stateful IPv6). */
function addressedIn(port: Port, subnets: Subnet[]): boolean {
  const want = subnets.map((s) => s.id).sort().join();
  return port.fixedIps.map((f) => f.subnetId).sort().join() === want;
}

/**
 * The DHCP port of `host` on a network, made or brought up to date: an address in
 * every DHCP subnet that hands out addresses (SLAAC subnets give one by themselves),
 * bound to the host. Returns null when the network needs no DHCP server (the port, if
 * any, is removed). Runs under the network's lock, as every address change does.
 */
export async function ensureDhcpPort(svc: NetworkService, networkId: string, host: string): Promise<PortWiring | null> {
  const network = await getNetwork(svc.db, networkId);
  const subnets = network ? (await listSubnets(svc.db, [networkId])).filter((s) => s.enableDhcp) : [];
  if (!network || subnets.length === 0) {
    await releaseDhcpPort(svc, networkId, host);
    return null;
  }
  const deviceId = dhcpDeviceId(host, networkId);
  const existing = (await listPorts(svc.db, { networkId, deviceId }))[0];
  if (existing && existing.binding.hostId === host && addressedIn(existing, subnets)) return portWiring(existing, network);
  const binding = { hostId: host, vnicType: 'normal', profile: {}, vifType: 'bridge', vifDetails: { connectivity: 'l2', port_filter: true } };
  const requests = subnets.map((s) => ({ subnetId: s.id }));
  if (!existing) {
    const now = svc.clock.now();
    const port: Port = {
      id: svc.ids.uuid(), projectId: network.projectId, networkId, name: '', description: '', macAddress: generateMac(svc.settings.baseMac),
      adminStateUp: true, status: 'DOWN', deviceId, deviceOwner: DEVICE_OWNER.dhcp, fixedIps: [], securityGroups: [], portSecurityEnabled: false,
      allowedAddressPairs: [], extraDhcpOpts: [], binding, revisionNumber: 1, createdAt: now, updatedAt: now, tags: [],
    };
    const saved = await savePort(svc, port, requests, false);
    await announcePortChange(svc, undefined, saved);
    return portWiring(saved, network);
  }
  const before = structuredClone(existing);
  const updated = await svc.networkLocks.run(networkId, async () => {
    const current = await getPort(svc.db, existing.id);
    if (!current) return undefined;
    const keep = current.fixedIps.filter((f) => subnets.some((s) => s.id === f.subnetId));
    const missing = subnets.filter((s) => !keep.some((f) => f.subnetId === s.id));
    const added = missing.length ? await allocateAddresses(svc, networkId, missing, missing.map((s) => ({ subnetId: s.id })), current.macAddress, current.deviceOwner) : [];
    current.fixedIps = [...keep, ...added];
    current.binding = binding;
    current.revisionNumber += 1;
    current.updatedAt = svc.clock.now();
    const outcome = await updatePortRow(svc.db, current, true);
    svc.addressBook.forget(subnets.map((s) => s.id));
    return outcome === 'saved' ? current : undefined;
  });
  if (!updated) return null;
  await announcePortChange(svc, before, updated);
  return portWiring(updated, network);
}

/** Removes `host`'s DHCP port from a network (its server stopped or the network needs none). */
export async function releaseDhcpPort(svc: NetworkService, networkId: string, host: string): Promise<void> {
  const port = (await listPorts(svc.db, { networkId, deviceId: dhcpDeviceId(host, networkId) }))[0];
  if (!port || !(await deletePortRow(svc.db, port.id))) return;
  svc.addressBook.forget(port.fixedIps.map((f) => f.subnetId));
  await announcePortChange(svc, port, undefined);
}
