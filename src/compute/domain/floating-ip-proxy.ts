import { isIP } from 'node:net';
import type { FloatingIpInfo, NetworkClient } from '../../network/contract/client.js';
import type { InstanceRow } from '../db/schema.js';
import { badRequest, conflict, forbidden, notFound, NovaError } from '../errors.js';
import type { ComputeService } from '../service.js';
import { networkInfoOf, type VifCacheEntry } from './instance-model.js';
import { editNetworkInfo, getInstance } from './instances.js';
import { neutronFault, translated } from './neutron-faults.js';
import { isUuidLike } from './secgroup-rules.js';

/**
 * Nova's neutron-backed floating IP calls (nova/network/neutron.py): pools are external
 * networks, and the server's network cache learns of (dis)associations at once so its
 * addresses show the floating IP as OS-EXT-IPS:type "floating".
 */

/** The pool allocations without one come from ([neutron] default_floating_pool's default). */
export const DEFAULT_FLOATING_POOL = 'nova';

/** A floating IP with the name of its pool (the external network's name, or its id without one). */
export interface PooledFloatingIp extends FloatingIpInfo {
  pool: string;
}

export const fipIdNotFound = (id: string) => notFound(`Floating IP not found for ID ${id}`);

/** Pool names for floating IPs, by network id, from the networks the caller can see. */
async function withPools(net: NetworkClient, fips: FloatingIpInfo[]): Promise<PooledFloatingIp[]> {
  const ids = [...new Set(fips.map((f) => f.floating_network_id))];
  const names = new Map(ids.length ? (await net.networks({ id: ids })).map((n) => [n.id, n.name || n.id]) : []);
  return fips.map((f) => ({ ...f, pool: names.get(f.floating_network_id) ?? f.floating_network_id }));
}

export async function listFloatingIps(net: NetworkClient, projectId: string): Promise<PooledFloatingIp[]> {
  return withPools(net, await net.floatingIps({ tenant_id: projectId }));
}

export async function getFloatingIp(net: NetworkClient, id: string): Promise<PooledFloatingIp> {
  const fip = await translated(() => net.floatingIp(id), (f) => (f.status === 404 ? fipIdNotFound(id) : undefined));
  return (await withPools(net, [fip]))[0]!;
}

/** The floating IPs with an address: Nova treats none as "not found" and several as ambiguous. */
export async function floatingIpsAt(net: NetworkClient, address: string): Promise<FloatingIpInfo[]> {
  return address ? net.floatingIps({ floating_ip_address: address }) : [];
}

/** The external networks: what Nova offers as floating IP pools. */
export async function floatingIpPools(net: NetworkClient): Promise<Array<{ id: string; name: string }>> {
  return net.networks({ 'router:external': 'true' });
}

async function poolId(net: NetworkClient, nameOrId: string): Promise<string> {
  const nets = await net.networks({ 'router:external': 'true', [isUuidLike(nameOrId) ? 'id' : 'name']: nameOrId });
  if (nets.length === 0) throw notFound('Floating IP pool not found.');
  if (nets.length > 1) throw new NovaError(500, `Multiple floating IP pools matches found for name '${nameOrId}'`);
  return nets[0]!.id;
}

/** Allocates an address from a pool (by name or id) to the caller's project. */
export async function allocateFloatingIp(net: NetworkClient, pool: string | undefined): Promise<PooledFloatingIp> {
  const networkId = await poolId(net, pool || DEFAULT_FLOATING_POOL);
  const fip = await translated(() => net.createFloatingIp({ floating_network_id: networkId }), (f) => {
    if (f.type === 'IpAddressGenerationFailure' || f.type === 'ExternalIpAddressExhausted') {
      return notFound(pool ? `No more floating IPs in pool ${pool}.` : 'No more floating IPs available.');
    }
    if (f.type === 'OverQuota') return forbidden(pool ? `IP allocation over quota in pool ${pool}.` : 'IP allocation over quota.');
    if (f.status === 400) return badRequest(f.message);
    return undefined;
  });
  return (await withPools(net, [fip]))[0]!;
}

/** The fixed address a floating IP goes to: the one asked for, else the server's first IPv4 one (Nova's choice). */
export function pickFixedAddress(row: InstanceRow, address: string, fixedAddress: string | undefined): { vif: VifCacheEntry; fixed: string } {
  const cache = networkInfoOf(row);
  if (cache.length === 0) throw badRequest('Instance network is not ready yet');
  const fixed = cache.flatMap((vif) => vif.ips.filter((ip) => ip.type === 'fixed').map((ip) => ({ vif, address: ip.address })));
  if (fixed.length === 0) throw badRequest('No fixed IPs associated to instance');
  const chosen = fixedAddress !== undefined
    ? fixed.find((f) => f.address === fixedAddress)
    : fixed.find((f) => isIP(f.address) === 4);
  if (!chosen && fixedAddress !== undefined) throw badRequest('Specified fixed address not assigned to instance');
  if (!chosen) {
    throw badRequest(`Unable to associate floating IP ${address} to any fixed IPs for instance ${row.uuid}. Instance has no fixed IPv4 addresses to associate.`);
  }
  return { vif: chosen.vif, fixed: chosen.address };
}

/** Points the floating IP at `address` on the server's port; one pointing at another server moves. */
export async function associateFloatingIp(svc: ComputeService, net: NetworkClient, row: InstanceRow, address: string, fixedAddress: string | undefined): Promise<void> {
  const { vif, fixed } = pickFixedAddress(row, address, fixedAddress);
  const found = await floatingIpsAt(net, address);
  if (found.length === 0) throw notFound('floating IP not found');
  const failed = (why: string) => badRequest(`Unable to associate floating IP ${address} to fixed IP ${fixed} for instance ${row.uuid}. Error: ${why}`);
  if (found.length > 1) throw failed(`Multiple floating IPs are found for address ${address}.`);
  const fip = found[0]!;
  try {
    await net.updateFloatingIp(fip.id, { port_id: vif.portId, fixed_ip_address: fixed });
  } catch (e) {
    const f = neutronFault(e);
    if (!f) throw e;
    if (f.status === 409) throw badRequest(f.message);
    if (f.status === 403) throw forbidden(f.message);
    throw failed(f.message);
  }
  // Moved from another server: that one's addresses lose it (best effort, as in Nova).
  const previous = fip.port_details?.device_id;
  if (fip.port_id && previous && previous !== row.uuid) await forgetFloating(svc, previous, address);
  await editNetworkInfo(svc, row.uuid, (ports) => ports.map((p) => (p.portId === vif.portId ? withFloating(p, fixed, address) : withoutFloating(p, address))));
}

/** Unhooks the floating IP at `address` from the server it points at (Nova's removeFloatingIp). */
export async function disassociateFloatingIp(svc: ComputeService, net: NetworkClient, serverId: string, fip: FloatingIpInfo): Promise<void> {
  const address = fip.floating_ip_address;
  if (!fip.port_id || fip.port_details?.device_id !== serverId) throw conflict(`Floating IP ${address} is not associated with instance ${serverId}.`);
  await translated(() => net.updateFloatingIp(fip.id, { port_id: null }), (f) => (f.status === 403 ? forbidden(f.message) : undefined));
  await forgetFloating(svc, serverId, address);
}

/** Deallocates a floating IP, unhooking it first from any server it points at. */
export async function releaseFloatingIp(svc: ComputeService, net: NetworkClient, fip: FloatingIpInfo): Promise<void> {
  const address = fip.floating_ip_address;
  await translated(() => net.deleteFloatingIp(fip.id), (f) => {
    if (f.status === 404) return notFound(`Floating IP not found for address ${address}.`);
    if (f.status === 403) return forbidden('Access was denied to this resource.');
    return undefined;
  });
  if (fip.port_id && fip.port_details?.device_id) await forgetFloating(svc, fip.port_details.device_id, address);
}

/** The floating address joins the port's IPs right after the fixed one it maps to. */
function withFloating(vif: VifCacheEntry, fixed: string, address: string): VifCacheEntry {
  const ips = vif.ips.filter((ip) => !(ip.type === 'floating' && ip.address === address));
  const at = ips.findIndex((ip) => ip.address === fixed);
  ips.splice(at + 1, 0, { address, version: 4, type: 'floating' });
  return { ...vif, ips };
}

function withoutFloating(vif: VifCacheEntry, address: string): VifCacheEntry {
  return { ...vif, ips: vif.ips.filter((ip) => !(ip.type === 'floating' && ip.address === address)) };
}

/**
 * Nova's refresh on Neutron's network-changed event: the floating addresses of the
 * server's ports (only `portId`'s when given) are read again from the network service
 * and the cache made to match, so a floating IP associated through the network API
 * (as the openstack CLI and Tempest do it) shows in the server's addresses at once.
 */
export async function refreshFloatingIps(svc: ComputeService, net: NetworkClient, uuid: string, portId: string | null): Promise<void> {
  const row = await getInstance(svc, null, uuid);
  const ports = networkInfoOf(row).map((p) => p.portId).filter((id) => portId === null || id === portId);
  const fips = (await Promise.all(ports.map((id) => net.floatingIps({ port_id: id })))).flat();
  await editNetworkInfo(svc, uuid, (cache) => cache.map((vif) => {
    if (!ports.includes(vif.portId)) return vif;
    let fresh: VifCacheEntry = { ...vif, ips: vif.ips.filter((ip) => ip.type !== 'floating') };
    for (const f of fips) if (f.port_id === vif.portId && f.fixed_ip_address) fresh = withFloating(fresh, f.fixed_ip_address, f.floating_ip_address);
    return fresh;
  }));
}

/** Drops a floating address from a server's cache; a server that is gone (or no server at all) has nothing to drop. */
async function forgetFloating(svc: ComputeService, uuid: string, address: string): Promise<void> {
  try {
    await editNetworkInfo(svc, uuid, (ports) => ports.map((p) => withoutFloating(p, address)));
  } catch (e) {
    if (!(e instanceof NovaError && e.status === 404)) throw e;
  }
}
