import { JsonApiClient, type TokenSource } from '../../core/http/index.js';

/** A port as other services see it (the fields compute relies on). */
export interface PortInfo {
  id: string;
  network_id: string;
  tenant_id: string;
  mac_address: string;
  fixed_ips: Array<{ subnet_id: string; ip_address: string }>;
  device_id: string;
  device_owner: string;
  status: string;
  security_groups: string[];
  'binding:host_id'?: string;
  'binding:vif_type'?: string;
}

export interface NetworkInfo {
  id: string;
  name: string;
  tenant_id: string;
  shared: boolean;
  'router:external': boolean;
  mtu: number;
  subnets: string[];
  status: string;
}

export interface SubnetInfo {
  id: string;
  network_id: string;
  cidr: string;
  ip_version: number;
  gateway_ip: string | null;
  dns_nameservers: string[];
  host_routes: Array<{ destination: string; nexthop: string }>;
  enable_dhcp: boolean;
  /** IPv6 subnets: slaac, dhcpv6-stateful or dhcpv6-stateless; null otherwise. */
  ipv6_address_mode?: string | null;
}

/** A rule to create: what a rule shows, without its id and with ports left out for "any". */
export type NewSecurityGroupRule = Omit<SecurityGroupRuleInfo, 'id' | 'port_range_min' | 'port_range_max'> & { port_range_min?: number; port_range_max?: number };

export interface SecurityGroupInfo {
  id: string;
  name: string;
  tenant_id: string;
  description: string;
  security_group_rules: Array<{
    id: string; direction: string; ethertype: string; protocol: string | null; port_range_min: number | null; port_range_max: number | null;
    remote_ip_prefix: string | null; remote_group_id: string | null; security_group_id: string;
  }>;
}

/** One rule of a group, as the security-group-rules API also shows it. */
export type SecurityGroupRuleInfo = SecurityGroupInfo['security_group_rules'][number];

/** A floating IP with the fip-port-details extension's summary of the port it points at. */
export interface FloatingIpInfo {
  id: string;
  tenant_id: string;
  floating_network_id: string;
  floating_ip_address: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
  port_details: { device_id: string; device_owner: string; network_id: string } | null;
}

const query = (q: Record<string, string | string[] | undefined>): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) p.append(k, one);
  const s = p.toString();
  return s ? `?${s}` : '';
};

/**
 * The network service's typed client for other services (Nova's neutronv2 API). Used
 * with the caller's token to check what a user may use, and with the service's own
 * token to create and bind ports for instances.
 */
export class NetworkClient {
  private readonly http: JsonApiClient;

  constructor(baseUrl: string, token: TokenSource) {
    this.http = new JsonApiClient(baseUrl.replace(/\/+$/, ''), token, 'network');
  }

  async network(id: string): Promise<NetworkInfo> {
    return (await this.http.request<{ network: NetworkInfo }>('GET', `/v2.0/networks/${id}`)).network;
  }

  async networks(q: Record<string, string | string[] | undefined> = {}): Promise<NetworkInfo[]> {
    return (await this.http.request<{ networks: NetworkInfo[] }>('GET', `/v2.0/networks${query(q)}`)).networks;
  }

  /** The networks a boot with networks=auto may use: the project's own and shared ones, not external (Nova's get-me-a-network without auto-allocation). */
  async autoNetworks(projectId: string): Promise<NetworkInfo[]> {
    const own = await this.networks({ tenant_id: projectId });
    const shared = await this.networks({ shared: 'true' });
    return [...new Map([...own, ...shared].filter((n) => !n['router:external']).map((n) => [n.id, n])).values()];
  }

  async subnets(q: Record<string, string | string[] | undefined> = {}): Promise<SubnetInfo[]> {
    return (await this.http.request<{ subnets: SubnetInfo[] }>('GET', `/v2.0/subnets${query(q)}`)).subnets;
  }

  async port(id: string): Promise<PortInfo> {
    return (await this.http.request<{ port: PortInfo }>('GET', `/v2.0/ports/${id}`)).port;
  }

  async ports(q: Record<string, string | string[] | undefined> = {}): Promise<PortInfo[]> {
    return (await this.http.request<{ ports: PortInfo[] }>('GET', `/v2.0/ports${query(q)}`)).ports;
  }

  async createPort(body: Record<string, unknown>): Promise<PortInfo> {
    return (await this.http.request<{ port: PortInfo }>('POST', '/v2.0/ports', { port: body })).port;
  }

  async updatePort(id: string, body: Record<string, unknown>): Promise<PortInfo> {
    return (await this.http.request<{ port: PortInfo }>('PUT', `/v2.0/ports/${id}`, { port: body })).port;
  }

  async deletePort(id: string): Promise<void> {
    await this.http.request('DELETE', `/v2.0/ports/${id}`);
  }

  async securityGroup(id: string): Promise<SecurityGroupInfo> {
    return (await this.http.request<{ security_group: SecurityGroupInfo }>('GET', `/v2.0/security-groups/${id}`)).security_group;
  }

  async securityGroups(q: Record<string, string | string[] | undefined> = {}): Promise<SecurityGroupInfo[]> {
    return (await this.http.request<{ security_groups: SecurityGroupInfo[] }>('GET', `/v2.0/security-groups${query(q)}`)).security_groups;
  }

  async createSecurityGroup(body: { name: string; description: string }): Promise<SecurityGroupInfo> {
    return (await this.http.request<{ security_group: SecurityGroupInfo }>('POST', '/v2.0/security-groups', { security_group: body })).security_group;
  }

  async updateSecurityGroup(id: string, body: { name?: string; description?: string }): Promise<SecurityGroupInfo> {
    return (await this.http.request<{ security_group: SecurityGroupInfo }>('PUT', `/v2.0/security-groups/${id}`, { security_group: body })).security_group;
  }

  async deleteSecurityGroup(id: string): Promise<void> {
    await this.http.request('DELETE', `/v2.0/security-groups/${id}`);
  }

  async securityGroupRule(id: string): Promise<SecurityGroupRuleInfo> {
    return (await this.http.request<{ security_group_rule: SecurityGroupRuleInfo }>('GET', `/v2.0/security-group-rules/${id}`)).security_group_rule;
  }

  async createSecurityGroupRule(body: NewSecurityGroupRule): Promise<SecurityGroupRuleInfo> {
    return (await this.http.request<{ security_group_rule: SecurityGroupRuleInfo }>('POST', '/v2.0/security-group-rules', { security_group_rule: body })).security_group_rule;
  }

  async deleteSecurityGroupRule(id: string): Promise<void> {
    await this.http.request('DELETE', `/v2.0/security-group-rules/${id}`);
  }

  async floatingIp(id: string): Promise<FloatingIpInfo> {
    return (await this.http.request<{ floatingip: FloatingIpInfo }>('GET', `/v2.0/floatingips/${id}`)).floatingip;
  }

  async floatingIps(q: Record<string, string | string[] | undefined> = {}): Promise<FloatingIpInfo[]> {
    return (await this.http.request<{ floatingips: FloatingIpInfo[] }>('GET', `/v2.0/floatingips${query(q)}`)).floatingips;
  }

  async createFloatingIp(body: { floating_network_id: string }): Promise<FloatingIpInfo> {
    return (await this.http.request<{ floatingip: FloatingIpInfo }>('POST', '/v2.0/floatingips', { floatingip: body })).floatingip;
  }

  /** Points the floating IP at a port's fixed address, or at nothing with port_id null. */
  async updateFloatingIp(id: string, body: { port_id: string | null; fixed_ip_address?: string }): Promise<FloatingIpInfo> {
    return (await this.http.request<{ floatingip: FloatingIpInfo }>('PUT', `/v2.0/floatingips/${id}`, { floatingip: body })).floatingip;
  }

  async deleteFloatingIp(id: string): Promise<void> {
    await this.http.request('DELETE', `/v2.0/floatingips/${id}`);
  }
}
