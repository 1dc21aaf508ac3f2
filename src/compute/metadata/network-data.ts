import { formatAddress, netmaskOf, parseCidr } from '../../core/net/address.js';
import type { MetadataSource, SubnetFacts, VifFacts } from './source.js';

/**
 * network_data.json (Nova's netutils.get_network_metadata): one link per port, one
 * network per port and IP version (its first subnet of that version), DNS servers as
 * services. Subnets served by DHCP only name their type, as Nova does, because the guest
 * learns the rest from DHCP.
 */
export interface NetworkData {
  links: Link[];
  networks: Array<Record<string, unknown>>;
  services: DnsService[];
}

interface Link {
  id: string;
  vif_id: string;
  type: string;
  mtu: number | null;
  ethernet_mac_address: string;
}

interface DnsService {
  type: 'dns';
  address: string;
}

interface Route {
  network: string;
  netmask: string;
  gateway: string;
}

/** VIF types a guest is told about by name; anything else is a plain physical NIC (`phy`). */
const EXPOSED_VIF_TYPES = new Set(['bridge', 'dvs', 'hw_veb', 'hyperv', 'ovs', 'tap', 'vhostuser', 'vif']);
/** Linux interface names are at most 14 characters: Nova names a port's tap `tap` + 11 of its id. */
const tapName = (portId: string): string => `tap${portId}`.slice(0, 14);

/** The document, or null when the instance has no ports (Nova then serves `{}`). */
export function buildNetworkData(source: Pick<MetadataSource, 'vifs'>): NetworkData | null {
  if (source.vifs.length === 0) return null;
  const data: NetworkData = { links: [], networks: [], services: [] };
  const addServices = (more: DnsService[]): void => {
    for (const s of more) if (!data.services.some((known) => known.address === s.address)) data.services.push(s);
  };
  let linkNumber = -1;
  for (const vif of source.vifs) {
    if (vif.subnets.length === 0) continue;
    linkNumber++;
    const link = linkOf(vif);
    data.links.push(link);
    for (const version of [4, 6] as const) {
      const subnet = vif.subnets.find((s) => s.version === version);
      if (!subnet || subnet.ips.length === 0) continue;
      data.networks.push(networkOf(vif, subnet, `network${data.networks.length}`, link.id));
      addServices(dnsOf(subnet));
    }
  }
  return data;
}

function linkOf(vif: VifFacts): Link {
  return {
    id: tapName(vif.portId),
    vif_id: vif.portId,
    type: vif.vifType && EXPOSED_VIF_TYPES.has(vif.vifType) ? vif.vifType : 'phy',
    // Under DHCP the guest takes the MTU from the DHCP server's answer.
    mtu: vif.subnets.some((s) => s.dhcp) ? null : vif.mtu,
    ethernet_mac_address: vif.macAddress,
  };
}

function networkOf(vif: VifFacts, subnet: SubnetFacts, id: string, link: string): Record<string, unknown> {
  const v = subnet.version;
  if (subnet.ipv6AddressMode === null && subnet.dhcp) return { id, type: `ipv${v}_dhcp`, link, network_id: vif.networkId };
  const cidr = parseCidr(subnet.cidr);
  const routes: Route[] = subnet.gatewayIp ? [{ network: v === 4 ? '0.0.0.0' : '::', netmask: v === 4 ? '0.0.0.0' : '::', gateway: subnet.gatewayIp }] : [];
  for (const r of subnet.hostRoutes) {
    const dest = parseCidr(r.destination);
    if (dest) routes.push({ network: formatAddress(dest.version, dest.network), netmask: netmaskOf(dest), gateway: r.nexthop });
  }
  return {
    id,
    type: subnet.ipv6AddressMode ? `ipv6_${subnet.ipv6AddressMode}` : `ipv${v}`,
    link,
    ip_address: subnet.ips[0],
    netmask: cidr ? netmaskOf(cidr) : null,
    routes,
    network_id: vif.networkId,
    services: dnsOf(subnet),
  };
}

const dnsOf = (subnet: SubnetFacts): DnsService[] => subnet.dnsNameservers.map((address) => ({ type: 'dns', address }));

/** The addresses EC2's local-ipv4 and public-ipv4 come from (Nova's get_ec2_ip_info). */
export function ec2Addresses(source: Pick<MetadataSource, 'vifs' | 'floatingIps'>): { fixedV4: string[]; floating: string[] } {
  const fixedV4 = source.vifs.flatMap((v) => v.subnets.filter((s) => s.version === 4).flatMap((s) => s.ips));
  return { fixedV4, floating: [...new Set([...source.floatingIps, ...source.vifs.flatMap((v) => v.floatingIps)])] };
}
