import type { RequestContext } from '../../core/auth/index.js';
import { listNetworks } from '../db/networks.js';
import { allocationCounts } from '../db/ports.js';
import { listSubnets } from '../db/subnets.js';
import { notFound } from '../errors.js';
import { poolsSize } from '../ipam/ranges.js';
import type { Network } from '../model.js';
import type { NetworkService } from '../service.js';
import { poolRanges } from './subnet-rules.js';

export interface SubnetAvailability {
  subnet_id: string;
  subnet_name: string;
  cidr: string;
  ip_version: number;
  total_ips: number;
  used_ips: number;
}

export interface NetworkAvailability {
  network_id: string;
  network_name: string;
  tenant_id: string;
  project_id: string;
  total_ips: number;
  used_ips: number;
  subnet_ip_availability: SubnetAvailability[];
}

/**
 * Neutron's network-ip-availability: per network and subnet, how many addresses the
 * pools hold and how many are allocated. Totals beyond 2^53 (IPv6) are capped, as a
 * JSON number cannot carry them exactly.
 */
async function availabilityOf(svc: NetworkService, networks: Network[]): Promise<NetworkAvailability[]> {
  const subnets = await listSubnets(svc.db, networks.map((n) => n.id));
  const used = await allocationCounts(svc.db, subnets.map((s) => s.id));
  return networks.map((n) => {
    const mine = subnets.filter((s) => s.networkId === n.id).map((s) => ({
      subnet_id: s.id, subnet_name: s.name, cidr: s.cidr, ip_version: s.ipVersion,
      total_ips: Number(poolsSize(poolRanges(s.allocationPools)) > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : poolsSize(poolRanges(s.allocationPools))),
      used_ips: used.get(s.id) ?? 0,
    }));
    return {
      network_id: n.id, network_name: n.name, tenant_id: n.projectId, project_id: n.projectId,
      total_ips: Math.min(Number.MAX_SAFE_INTEGER, mine.reduce((a, s) => a + s.total_ips, 0)), used_ips: mine.reduce((a, s) => a + s.used_ips, 0),
      subnet_ip_availability: mine,
    };
  });
}

export async function listAvailability(svc: NetworkService, ctx: RequestContext): Promise<NetworkAvailability[]> {
  svc.authorize(ctx, 'get_network_ip_availability', {});
  return availabilityOf(svc, await listNetworks(svc.db, { projectId: null, all: true }));
}

export async function showAvailability(svc: NetworkService, ctx: RequestContext, networkId: string): Promise<NetworkAvailability> {
  svc.authorize(ctx, 'get_network_ip_availability', {});
  const network = (await listNetworks(svc.db, { projectId: null, all: true })).find((n) => n.id === networkId);
  if (!network) throw notFound('NetworkNotFound', `Network ${networkId} could not be found.`);
  return (await availabilityOf(svc, [network]))[0]!;
}
