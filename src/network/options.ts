import { defineSchema, opt, type ConfigOf } from '../core/config/index.js';
import { canonicalMac } from './ipam/mac.js';
import type { NetworkSettings } from './settings.js';

/** The network service's configuration, with Neutron's option names and defaults. */
export const networkOptions = defineSchema({
  network: {
    port: opt.port({ default: 9696, help: 'Port of the network API (before the port offset).' }),
    global_physnet_mtu: opt.int({ default: 1500, min: 68, help: 'MTU of the underlying physical network.' }),
    pagination_max_limit: opt.int({ default: -1, min: -1, help: 'Largest page a list returns; -1 for no limit.' }),
    base_mac: opt.str({ default: 'fa:16:3e:00:00:00', help: 'Base of generated port MACs: the non-zero leading bytes stay, the rest are random.' }),
    max_dns_nameservers: opt.int({ default: 5, min: 0, help: 'Most DNS nameservers a subnet may have.' }),
    max_subnet_host_routes: opt.int({ default: 20, min: 0, help: 'Most host routes a subnet may have.' }),
    max_fixed_ips_per_port: opt.int({ default: 5, min: 1, help: 'Most fixed IPs a port may have.' }),
    agent_down_time: opt.int({ default: 75, min: 1, help: 'Seconds without a heartbeat after which an agent counts as down.' }),
    report_interval: opt.int({ default: 30, min: 1, help: 'Seconds between a network agent\'s heartbeats.' }),
    dataplane: opt.str({ default: 'noop', choices: ['noop', 'linux'], help: 'What the network agent does to its host: noop records nothing on the host (any machine, no root); linux makes bridges, VXLAN, DHCP servers and filters (root).' }),
    dhcp_agent: opt.bool({ default: true, help: 'The network agent of this host also runs the networks\' DHCP servers (Neutron\'s DHCP agent role).' }),
    l3_agent: opt.bool({ default: true, help: 'The network agent of this host also runs the routers (Neutron\'s L3 agent role).' }),
    fake_host_underlay: opt.str({ help: 'With [compute] fake_hosts and the linux dataplane: an IPv4 network for the fake hosts\' VXLAN endpoints, each fake host a namespace on a local underlay bridge (the main host takes the first address). For tests and benchmarks; use a link-local range such as 169.254.250.0/24.' }),
    namespace_prefix: opt.str({ default: '', help: 'Put before qdhcp-/qrouter- namespace names and the filter tables\' names; only needed when two agents share one machine.' }),
  },
  vxlan: {
    local_ip: opt.str({ help: 'This host\'s VXLAN endpoint address; without it VXLAN networks reach no other host.' }),
  },
  linux_bridge: {
    physical_interface_mappings: opt.list({ default: [], help: 'physnet:interface pairs giving flat and VLAN provider networks their uplink; none by default, so nothing reaches a real interface unless named here.' }),
  },
  quotas: {
    quota_network: opt.int({ default: 100, min: -1, help: 'Networks a project may have; -1 for unlimited.' }),
    quota_subnet: opt.int({ default: 100, min: -1, help: 'Subnets a project may have; -1 for unlimited.' }),
    quota_port: opt.int({ default: 500, min: -1, help: 'Ports a project may have; -1 for unlimited.' }),
    quota_router: opt.int({ default: 10, min: -1, help: 'Routers a project may have; -1 for unlimited.' }),
    quota_floatingip: opt.int({ default: 50, min: -1, help: 'Floating IPs a project may have; -1 for unlimited.' }),
    quota_security_group: opt.int({ default: 10, min: -1, help: 'Security groups a project may have; -1 for unlimited.' }),
    quota_security_group_rule: opt.int({ default: 100, min: -1, help: 'Security group rules a project may have; -1 for unlimited.' }),
    quota_subnetpool: opt.int({ default: -1, min: -1, help: 'Subnet pools a project may have; -1 for unlimited.' }),
  },
  ml2: {
    tenant_network_types: opt.list({ default: ['vxlan'], help: 'Network types of project networks, in order of preference.' }),
  },
  ml2_type_vxlan: {
    vni_ranges: opt.list({ default: ['1:1000'], help: 'VXLAN VNI ranges available for project networks (min:max).' }),
  },
});

export type NetworkConfig = ConfigOf<typeof networkOptions>;

export function networkSettingsFrom(cfg: NetworkConfig): NetworkSettings {
  const ranges = cfg.ml2_type_vxlan.vni_ranges.map((r) => {
    const [min, max] = r.split(':').map(Number);
    if (!Number.isInteger(min) || !Number.isInteger(max) || min! < 1 || max! < min! || max! > 16777215) {
      throw new Error(`invalid value for option [ml2_type_vxlan] vni_ranges: "${r}" is not min:max within 1:16777215`);
    }
    return { min: min!, max: max! };
  });
  if (!canonicalMac(cfg.network.base_mac)) throw new Error(`invalid value for option [network] base_mac: "${cfg.network.base_mac}" is not a MAC address`);
  return {
    physnetMtu: cfg.network.global_physnet_mtu,
    paginationMaxLimit: cfg.network.pagination_max_limit < 0 ? null : cfg.network.pagination_max_limit,
    tenantNetworkTypes: cfg.ml2.tenant_network_types,
    vniRanges: ranges,
    baseMac: cfg.network.base_mac,
    maxDnsNameservers: cfg.network.max_dns_nameservers,
    maxSubnetHostRoutes: cfg.network.max_subnet_host_routes,
    maxFixedIpsPerPort: cfg.network.max_fixed_ips_per_port,
    agentDownTime: cfg.network.agent_down_time,
    defaultQuotas: {
      network: cfg.quotas.quota_network, subnet: cfg.quotas.quota_subnet, port: cfg.quotas.quota_port, router: cfg.quotas.quota_router,
      floatingip: cfg.quotas.quota_floatingip, security_group: cfg.quotas.quota_security_group, security_group_rule: cfg.quotas.quota_security_group_rule,
      subnetpool: cfg.quotas.quota_subnetpool,
    },
  };
}
