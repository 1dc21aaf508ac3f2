import type { RequestContext } from '../../core/auth/index.js';
import { getNetwork } from '../db/networks.js';
import { getPort, listPorts, updatePortRow } from '../db/ports.js';
import { deleteSubnetRow, getSubnet, insertSubnet, listSubnets, updateSubnetRow } from '../db/subnets.js';
import { badRequest, invalidInput, inUse, notFound, type NeutronError } from '../errors.js';
import { cidrsOverlap, formatAddress, formatCidr, parseCidr, type Cidr } from '../../core/net/address.js';
import type { Network, Port, Subnet } from '../model.js';
import type { NetworkService } from '../service.js';
import { checkBools, checkStrings, ownerOf, rejectReadOnly, rejectUnknown, toBool, type Body } from './attributes.js';
import { autoAddressOf } from './ip-allocation.js';
import { visibleNetwork, visibleNetworks } from './networks.js';
import { announcePortChange } from './port-notices.js';
import { withinQuota } from './quotas.js';
import { carveCidr, requestedPool } from './subnet-pools.js';
import {
  addressIn, allocationPools, isAutoAddress, checkGateway, checkGatewayOutsidePools, checkIpv6Modes, defaultAllocationPools, hostRoutes,
  ipv6Mode, ipVersionOf, nameservers, poolRanges, subnetCidr,
} from './subnet-rules.js';

export const subnetNotFound = (id: string): NeutronError => notFound('SubnetNotFound', `Subnet ${id} could not be found.`);

/** What Neutron's policy sees of a subnet: its owner, its network's owner and sharing. */
export function subnetTarget(s: Pick<Subnet, 'id' | 'projectId' | 'networkId'>, network: Network | undefined): Record<string, unknown> {
  return {
    tenant_id: s.projectId, project_id: s.projectId, id: s.id, network_id: s.networkId,
    'network:tenant_id': network?.projectId ?? null, 'network:project_id': network?.projectId ?? null,
    // Subnets of shared networks are readable by all; those of a non-shared external network are not.
    shared: Boolean(network?.shared),
  };
}

const STRING_FIELDS = { name: 255, description: 255 } as const;
const ALLOWED_ON_CREATE = new Set(['name', 'description', 'network_id', 'ip_version', 'cidr', 'gateway_ip', 'allocation_pools', 'dns_nameservers',
  'host_routes', 'enable_dhcp', 'ipv6_ra_mode', 'ipv6_address_mode', 'subnetpool_id', 'prefixlen', 'use_default_subnetpool', 'tenant_id', 'project_id',
  'service_types', 'segment_id']);
const ALLOWED_ON_UPDATE = new Set(['name', 'description', 'gateway_ip', 'allocation_pools', 'dns_nameservers', 'host_routes', 'enable_dhcp', 'service_types',
  'cidr', 'ip_version', 'network_id', 'ipv6_ra_mode', 'ipv6_address_mode', 'subnetpool_id', 'prefixlen', 'tenant_id', 'project_id', 'segment_id']);
const READ_ONLY = ['cidr', 'ip_version', 'network_id', 'ipv6_ra_mode', 'ipv6_address_mode', 'subnetpool_id', 'prefixlen', 'tenant_id', 'project_id'];

function serviceTypes(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalidInput(`'${String(value)}' is not a list of strings`);
  return value as string[];
}

/** POST /v2.0/subnets: a given cidr, or one carved from a subnet pool. */
export async function createSubnet(svc: NetworkService, ctx: RequestContext, body: Body): Promise<Subnet> {
  rejectUnknown(body, ALLOWED_ON_CREATE);
  checkStrings(body, STRING_FIELDS);
  checkBools(body, ['enable_dhcp', 'use_default_subnetpool']);
  if (body['network_id'] === undefined) throw invalidInput("Failed to parse request. Required attribute 'network_id' not specified");
  if (body['ip_version'] === undefined) throw invalidInput("Failed to parse request. Required attribute 'ip_version' not specified");
  const ipVersion = ipVersionOf(body['ip_version']);
  const requested = body['cidr'] === undefined || body['cidr'] === null ? undefined : subnetCidr(body['cidr']);
  if (requested && requested.version !== ipVersion) throw invalidInput(`cidr '${String(body['cidr'])}' does not match the ip_version '${ipVersion}'`);
  const network = await visibleNetwork(svc, ctx, String(body['network_id']));
  const projectId = ownerOf(body, ctx.projectId ?? null, svc.isAdmin(ctx));
  const pool = await requestedPool(svc, ctx, body, ipVersion);
  if (!pool && !requested) throw badRequest('subnets', 'a cidr must be specified in the absence of a subnet pool');
  const id = svc.ids.uuid();
  svc.authorize(ctx, 'create_subnet', subnetTarget({ id, projectId, networkId: network.id }, network));
  // A given cidr is checked before any lock is taken; a carved one when it is known.
  if (requested) subnetWithCidr(svc, body, id, projectId, network.id, requested);
  const underPool = <T>(work: () => Promise<T>): Promise<T> => (pool ? svc.networkLocks.run(`pool:${pool.id}`, work) : work());
  return withinQuota(svc, projectId, 'subnet', () => underPool(async () => {
    const cidr = pool ? await carveCidr(svc, pool, requested, body['prefixlen']) : requested!;
    const subnet = subnetWithCidr(svc, body, id, projectId, network.id, cidr);
    subnet.subnetpoolId = pool?.id ?? null;
    // One network's subnets may not overlap; serialised per network so two creates cannot both pass.
    const { changes } = await svc.networkLocks.run(network.id, async () => {
      const others = await listSubnets(svc.db, [network.id]);
      for (const other of others) {
        if (cidrsOverlap(cidr, parseCidr(other.cidr)!)) {
          throw invalidInput(`Requested subnet with cidr: ${subnet.cidr} for network: ${network.id} overlaps with another subnet`);
        }
      }
      await insertSubnet(svc.db, subnet);
      return { changes: await addAutoAddresses(svc, subnet, [...others, subnet]) };
    });
    svc.notifier.dhcpNetworksChanged([network.id]);
    // Ports that gained a SLAAC address: their hosts rewire them (anti-spoofing) and group members change.
    for (const [before, after] of changes) await announcePortChange(svc, before, after);
    return subnet;
  }));
}

/**
 * A new SLAAC or DHCPv6-stateless subnet gives every port already on its network its
 * EUI-64 address (Neutron's add_auto_addrs_on_network_ports): the guest configures it
 * from the router's advertisements anyway, and the port's filter must let it through.
 * Runs under the network's lock; returns each changed port before and after.
 */
async function addAutoAddresses(svc: NetworkService, subnet: Subnet, subnets: readonly Subnet[]): Promise<Array<[Port, Port]>> {
  if (!isAutoAddress(subnet)) return [];
  const changes: Array<[Port, Port]> = [];
  for (const before of await listPorts(svc.db, { networkId: subnet.networkId })) {
    const ip = autoAddressOf(subnet, subnets, before);
    if (!ip) continue;
    const after: Port = { ...before, fixedIps: [...before.fixedIps, ip], revisionNumber: before.revisionNumber + 1, updatedAt: svc.clock.now() };
    if (await updatePortRow(svc.db, after, true) === 'saved') changes.push([before, after]);
    else svc.log.warn({ portId: before.id, subnetId: subnet.id, ipAddress: ip.ipAddress }, 'SLAAC address of an existing port already taken');
  }
  return changes;
}

/** A new subnet's attributes once its cidr is known, validated against it. */
function subnetWithCidr(svc: NetworkService, body: Body, id: string, projectId: string, networkId: string, cidr: Cidr): Subnet {
  const ipVersion = cidr.version;
  let gatewayIp: string | null;
  if (body['gateway_ip'] === null) gatewayIp = null;
  else if (body['gateway_ip'] === undefined) gatewayIp = formatAddress(cidr.version, cidr.network + 1n);
  else gatewayIp = addressIn(ipVersion, body['gateway_ip'], 'gateway_ip');
  if (gatewayIp !== null) checkGateway(cidr, gatewayIp);
  const enableDhcp = toBool(body['enable_dhcp'], true);
  const ra = ipv6Mode(body['ipv6_ra_mode'], 'ipv6_ra_mode');
  const addressMode = ipv6Mode(body['ipv6_address_mode'], 'ipv6_address_mode');
  checkIpv6Modes(cidr, ra, addressMode, enableDhcp);
  const now = svc.clock.now();
  return {
    id, projectId, networkId, name: (body['name'] as string | undefined) ?? '', description: (body['description'] as string | undefined) ?? '',
    ipVersion, cidr: formatCidr(cidr), gatewayIp,
    allocationPools: body['allocation_pools'] === undefined || body['allocation_pools'] === null
      ? defaultAllocationPools(cidr, gatewayIp) : allocationPools(body['allocation_pools'], cidr, gatewayIp),
    dnsNameservers: body['dns_nameservers'] === undefined ? [] : nameservers(body['dns_nameservers'], ipVersion, svc.settings.maxDnsNameservers, id),
    hostRoutes: body['host_routes'] === undefined ? [] : hostRoutes(body['host_routes'], ipVersion, svc.settings.maxSubnetHostRoutes, id),
    enableDhcp, ipv6RaMode: ra, ipv6AddressMode: addressMode, subnetpoolId: null, serviceTypes: serviceTypes(body['service_types']),
    revisionNumber: 1, createdAt: now, updatedAt: now, tags: [],
  };
}

/** A subnet the caller may see (with its network), or SubnetNotFound. */
export async function visibleSubnet(svc: NetworkService, ctx: RequestContext, id: string): Promise<{ subnet: Subnet; network: Network | undefined }> {
  const subnet = await getSubnet(svc.db, id);
  const network = subnet && await getNetwork(svc.db, subnet.networkId);
  if (!subnet || !svc.allowed(ctx, 'get_subnet', subnetTarget(subnet, network))) throw subnetNotFound(id);
  return { subnet, network };
}

export async function visibleSubnets(svc: NetworkService, ctx: RequestContext): Promise<Subnet[]> {
  const networks = new Map((await visibleNetworks(svc, ctx)).map((n) => [n.id, n]));
  const subnets = await listSubnets(svc.db, svc.isAdmin(ctx) ? undefined : [...networks.keys()]);
  return subnets.filter((s) => svc.allowed(ctx, 'get_subnet', subnetTarget(s, networks.get(s.networkId))));
}

export async function updateSubnet(svc: NetworkService, ctx: RequestContext, id: string, body: Body): Promise<Subnet> {
  rejectUnknown(body, ALLOWED_ON_UPDATE);
  rejectReadOnly(body, READ_ONLY);
  checkStrings(body, STRING_FIELDS);
  checkBools(body, ['enable_dhcp']);
  const { subnet, network } = await visibleSubnet(svc, ctx, id);
  svc.authorize(ctx, 'update_subnet', subnetTarget(subnet, network));
  const cidr = parseCidr(subnet.cidr)!;
  if (body['name'] !== undefined) subnet.name = body['name'] as string;
  if (body['description'] !== undefined) subnet.description = body['description'] as string;
  if (body['enable_dhcp'] !== undefined) subnet.enableDhcp = toBool(body['enable_dhcp'], true);
  if (body['gateway_ip'] !== undefined) {
    subnet.gatewayIp = body['gateway_ip'] === null ? null : addressIn(subnet.ipVersion, body['gateway_ip'], 'gateway_ip');
    if (subnet.gatewayIp !== null) checkGateway(cidr, subnet.gatewayIp);
  }
  if (body['allocation_pools'] !== undefined) {
    subnet.allocationPools = body['allocation_pools'] === null ? defaultAllocationPools(cidr, subnet.gatewayIp) : allocationPools(body['allocation_pools'], cidr, subnet.gatewayIp);
  } else if (body['gateway_ip'] !== undefined) {
    checkGatewayOutsidePools(cidr, poolRanges(subnet.allocationPools), subnet.gatewayIp);
  }
  if (body['dns_nameservers'] !== undefined) subnet.dnsNameservers = nameservers(body['dns_nameservers'] ?? [], subnet.ipVersion, svc.settings.maxDnsNameservers, id);
  if (body['host_routes'] !== undefined) subnet.hostRoutes = hostRoutes(body['host_routes'] ?? [], subnet.ipVersion, svc.settings.maxSubnetHostRoutes, id);
  if (body['service_types'] !== undefined) subnet.serviceTypes = serviceTypes(body['service_types']);
  subnet.revisionNumber += 1;
  subnet.updatedAt = svc.clock.now();
  await updateSubnetRow(svc.db, subnet);
  svc.notifier.dhcpNetworksChanged([subnet.networkId]);
  return subnet;
}

export async function deleteSubnet(svc: NetworkService, ctx: RequestContext, id: string): Promise<void> {
  const { subnet, network } = await visibleSubnet(svc, ctx, id);
  svc.authorize(ctx, 'delete_subnet', subnetTarget(subnet, network));
  const { outcome, portsChanged } = await svc.networkLocks.run(subnet.networkId, () => deleteSubnetRow(svc.db, id, isAutoAddress(subnet)));
  svc.addressBook.forget([id]);
  if (outcome === 'not-found') throw subnetNotFound(id);
  if (outcome === 'in-use') throw inUse('SubnetInUse', `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`);
  svc.notifier.dhcpNetworksChanged([subnet.networkId]);
  // Ports that lost their SLAAC or DHCP-server address: their hosts rewire them and group members change.
  for (const portId of portsChanged) {
    const port = await getPort(svc.db, portId);
    if (port) await announcePortChange(svc, undefined, port);
  }
}
