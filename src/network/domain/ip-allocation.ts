import { addressTaken } from '../db/ports.js';
import { getSubnet } from '../db/subnets.js';
import { invalidInput, NeutronError, notFound } from '../errors.js';
import { cidrContains, formatAddress, parseAddress, parseCidr } from '../../core/net/address.js';
import { eui64 } from '../ipam/mac.js';
import { firstFree } from '../ipam/ranges.js';
import type { FixedIp, Subnet } from '../model.js';
import type { NetworkService } from '../service.js';
import type { FixedIpRequest } from './port-rules.js';
import { isAutoAddress, poolRanges } from './subnet-rules.js';

const exhausted = (networkId: string): NeutronError =>
  new NeutronError(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${networkId}.`);

const ROUTER_OWNERS = new Set(['network:router_interface', 'network:router_interface_distributed', 'network:ha_router_replicated_interface']);

/**
 * Subnet service types: a port whose device owner some subnets name takes addresses
 * only from those; any other port only from subnets that name no owner.
 */
function forDeviceOwner(subnets: readonly Subnet[], deviceOwner: string): readonly Subnet[] {
  const named = subnets.filter((s) => s.serviceTypes.includes(deviceOwner));
  return named.length ? named : subnets.filter((s) => s.serviceTypes.length === 0);
}

/**
 * The first free address of a subnet's pools, or undefined when they are full. The
 * address book answers from memory; before calling a subnet full it rereads the truth.
 */
async function freeAddress(svc: NetworkService, subnet: Subnet, alsoTaken: readonly string[]): Promise<string | undefined> {
  const pools = poolRanges(subnet.allocationPools);
  const pick = async (): Promise<bigint | undefined> => {
    let used = await svc.addressBook.usedIn(svc, subnet.id);
    if (alsoTaken.length) used = [...used, ...alsoTaken.map((a) => parseAddress(a)!.value)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return firstFree(pools, used);
  };
  let free = await pick();
  if (free === undefined) {
    svc.addressBook.forget([subnet.id]);
    free = await pick();
  }
  return free === undefined ? undefined : formatAddress(subnet.ipVersion, free);
}

function slaacAddress(subnet: Subnet, mac: string): string {
  return formatAddress(6, eui64(parseCidr(subnet.cidr)!.network, mac));
}

/**
 * The address a port already on the network gets when an auto-address (SLAAC,
 * DHCPv6-stateless) subnet is added to it, as Neutron's add_auto_addrs_on_network_ports:
 * its EUI-64 address, unless it is a router's port or the subnet's service types (among
 * the network's `subnets`, the new one included) do not offer it to the port's owner.
 */
export function autoAddressOf(subnet: Subnet, subnets: readonly Subnet[], port: { macAddress: string; deviceOwner: string }): FixedIp | undefined {
  if (!isAutoAddress(subnet) || ROUTER_OWNERS.has(port.deviceOwner) || port.deviceOwner.startsWith('network:router')) return undefined;
  if (!forDeviceOwner(subnets, port.deviceOwner).some((s) => s.id === subnet.id)) return undefined;
  return { subnetId: subnet.id, ipAddress: slaacAddress(subnet, port.macAddress) };
}

/**
 * Picks a port's addresses the way Neutron's IPAM does. With no request: one address
 * from the first IPv4 subnet with room, one from the first stateful IPv6 subnet with
 * room, and the EUI-64 address on every SLAAC subnet. With requests: each names a
 * subnet, an address, or both. `keep` are addresses the port already holds (updates).
 * Must run under the network's lock; the unique index catches other processes.
 */
export async function allocateAddresses(
  svc: NetworkService, networkId: string, subnets: readonly Subnet[], requests: FixedIpRequest[] | undefined,
  mac: string, deviceOwner: string, keep: readonly FixedIp[] = [],
): Promise<FixedIp[]> {
  const chosen: FixedIp[] = [];
  const takenHere = (subnetId: string): string[] => chosen.filter((c) => c.subnetId === subnetId).map((c) => c.ipAddress);
  if (requests === undefined) {
    subnets = forDeviceOwner(subnets, deviceOwner);
    const v4 = subnets.filter((s) => s.ipVersion === 4);
    const v6Stateful = subnets.filter((s) => s.ipVersion === 6 && !isAutoAddress(s));
    for (const family of [v4, v6Stateful]) {
      if (family.length === 0) continue;
      let got = false;
      for (const s of family) {
        const ip = await freeAddress(svc, s, []);
        if (ip) { chosen.push({ subnetId: s.id, ipAddress: ip }); got = true; break; }
      }
      if (!got) throw exhausted(networkId);
    }
    if (!ROUTER_OWNERS.has(deviceOwner)) {
      for (const s of subnets.filter(isAutoAddress)) chosen.push({ subnetId: s.id, ipAddress: slaacAddress(s, mac) });
    }
    return chosen;
  }
  for (const r of requests) {
    let subnet: Subnet | undefined;
    if (r.subnetId !== undefined) {
      subnet = subnets.find((s) => s.id === r.subnetId);
      if (!subnet) {
        throw (await getSubnet(svc.db, r.subnetId))
          ? invalidInput(`Failed to create port on network ${networkId}, because fixed_ips included invalid subnet ${r.subnetId}`)
          : notFound('SubnetNotFound', `Subnet ${r.subnetId} could not be found.`);
      }
      if (r.ipAddress !== undefined && !cidrContains(parseCidr(subnet.cidr)!, parseAddress(r.ipAddress)!)) {
        throw new NeutronError(400, 'InvalidIpForSubnet', `IP address ${r.ipAddress} is not a valid IP for the specified subnet.`);
      }
    } else {
      const ip = parseAddress(r.ipAddress)!;
      subnet = subnets.find((s) => cidrContains(parseCidr(s.cidr)!, ip));
      if (!subnet) throw new NeutronError(400, 'InvalidIpForNetwork', `IP address ${r.ipAddress!} is not a valid IP for any of the subnets on the specified network.`);
    }
    const kept = keep.find((k) => k.subnetId === subnet.id && (r.ipAddress === undefined || k.ipAddress === r.ipAddress));
    if (kept) { chosen.push(kept); continue; }
    if (isAutoAddress(subnet) && !ROUTER_OWNERS.has(deviceOwner)) {
      if (r.ipAddress !== undefined && r.ipAddress !== slaacAddress(subnet, mac)) {
        throw invalidInput(`IPv6 address ${r.ipAddress} cannot be directly assigned to a port on subnet ${subnet.id} as the subnet is configured for automatic addresses`);
      }
      chosen.push({ subnetId: subnet.id, ipAddress: slaacAddress(subnet, mac) });
      continue;
    }
    if (r.ipAddress !== undefined) {
      if (takenHere(subnet.id).includes(r.ipAddress) || await addressTaken(svc.db, subnet.id, r.ipAddress)) {
        throw new NeutronError(409, 'IpAddressAlreadyAllocated', `IP address ${r.ipAddress} already allocated in subnet ${subnet.id}`);
      }
      chosen.push({ subnetId: subnet.id, ipAddress: r.ipAddress });
      continue;
    }
    const ip = await freeAddress(svc, subnet, takenHere(subnet.id));
    if (!ip) throw exhausted(networkId);
    chosen.push({ subnetId: subnet.id, ipAddress: ip });
  }
  return chosen;
}
