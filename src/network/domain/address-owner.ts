import { canonicalAddress } from '../../core/net/address.js';
import { portsWithAddress } from '../db/ports.js';
import type { NetworkService } from '../service.js';
import { interfacePorts } from './routers.js';

/** Where a metadata request came from: the guest's address on a network, or behind a router. */
export interface AddressOwnerQuery {
  networkId?: string;
  routerId?: string;
  ip: string;
}

/** The instance a metadata request is for and the project it is signed for. */
export interface AddressOwner {
  instanceId: string;
  projectId: string;
}

/**
 * The instance whose port holds fixed IP `ip` (Neutron's metadata agent lookup): on
 * `networkId`, or, with only `routerId`, on any network the router has an interface on
 * (the same address may exist in other projects' networks, so never everywhere).
 * Only instance ports count (device_owner `compute:*`). Null when no instance, or more
 * than one, holds the address, or neither network nor router is named.
 */
export async function addressOwner(svc: NetworkService, query: AddressOwnerQuery): Promise<AddressOwner | null> {
  // Stored addresses are canonical (an IPv6 address has one spelling there).
  const ip = canonicalAddress(query.ip);
  if (!ip) return null;
  const networkIds = query.networkId ? [query.networkId]
    : query.routerId ? [...new Set((await interfacePorts(svc, query.routerId)).map((p) => p.networkId))]
    : [];
  const ports = (await portsWithAddress(svc.db, ip, networkIds)).filter((p) => p.deviceOwner.startsWith('compute:') && p.deviceId !== '');
  const [port, ...others] = ports;
  if (!port || others.some((p) => p.deviceId !== port.deviceId)) return null;
  return { instanceId: port.deviceId, projectId: port.projectId };
}
