import type { NetworkClient, PortInfo, SubnetInfo } from '../../network/contract/client.js';
import type { SubnetFacts, VifFacts } from './source.js';

/** The part of the network client the metadata service uses (tests give a fake). */
export type MetadataNetwork = Pick<NetworkClient, 'ports' | 'subnets' | 'networks' | 'floatingIps'>;

/** Ports Nova made or bound for an instance: device_owner compute:<zone>. */
export const isComputePort = (p: PortInfo): boolean => p.device_owner.startsWith('compute:');

/**
 * The instance's ports with their subnets and MTUs, read from the network service (Nova
 * builds the same from Neutron into its network info cache). `order` lists port ids in
 * attach order (the instance's own cache); ports it does not know come last.
 */
export async function vifsOf(network: MetadataNetwork, instanceUuid: string, order: readonly string[]): Promise<VifFacts[]> {
  const ports = (await network.ports({ device_id: instanceUuid })).filter(isComputePort);
  if (ports.length === 0) return [];
  const subnetIds = [...new Set(ports.flatMap((p) => p.fixed_ips.map((ip) => ip.subnet_id)))];
  const networkIds = [...new Set(ports.map((p) => p.network_id))];
  const subnets = subnetIds.length ? await network.subnets({ id: subnetIds }) : [];
  const mtus = new Map((await network.networks({ id: networkIds })).map((n) => [n.id, n.mtu]));
  const floating = await network.floatingIps({ port_id: ports.map((p) => p.id) });
  const rank = (p: PortInfo): number => (order.includes(p.id) ? order.indexOf(p.id) : order.length);
  return [...ports].sort((a, b) => rank(a) - rank(b)).map((port) => ({
    portId: port.id,
    macAddress: port.mac_address,
    vifType: port['binding:vif_type'] ?? null,
    networkId: port.network_id,
    mtu: mtus.get(port.network_id) ?? null,
    subnets: subnets.filter((s) => port.fixed_ips.some((ip) => ip.subnet_id === s.id)).map((s) => subnetFacts(s, port)),
    floatingIps: floating.filter((f) => f.port_id === port.id).map((f) => f.floating_ip_address),
  }));
}

function subnetFacts(subnet: SubnetInfo, port: PortInfo): SubnetFacts {
  return {
    version: subnet.ip_version === 6 ? 6 : 4,
    cidr: subnet.cidr,
    gatewayIp: subnet.gateway_ip,
    dnsNameservers: subnet.dns_nameservers,
    hostRoutes: subnet.host_routes,
    ips: port.fixed_ips.filter((ip) => ip.subnet_id === subnet.id).map((ip) => ip.ip_address),
    dhcp: subnet.enable_dhcp,
    ipv6AddressMode: subnet.ipv6_address_mode ?? null,
  };
}
