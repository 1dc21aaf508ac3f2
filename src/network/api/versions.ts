import type { FastifyInstance } from 'fastify';
import type { Guard } from './kit.js';
import { requestBase } from './kit.js';

/** Resources this slice serves, for GET /v2.0 (Neutron lists each collection with its link). */
const RESOURCES = [['network', 'networks'], ['subnet', 'subnets'], ['subnetpool', 'subnetpools'], ['port', 'ports'], ['security_group', 'security-groups'], ['security_group_rule', 'security-group-rules'], ['router', 'routers'], ['floatingip', 'floatingips'], ['quota', 'quotas'], ['agent', 'agents'], ['availability_zone', 'availability_zones'], ['network_ip_availability', 'network-ip-availabilities']] as const;

/**
 * Extensions Neutron would list that this slice really implements. Only what works is
 * listed: Tempest and clients switch features on from this list.
 */
export const EXTENSIONS = [
  { alias: 'provider', name: 'Provider Network', description: 'Expose mapping of virtual networks to physical networks' },
  { alias: 'external-net', name: 'Neutron external network', description: 'Adds external network attribute to network resource.' },
  { alias: 'net-mtu', name: 'Network MTU', description: 'Provides MTU attribute for a network resource.' },
  { alias: 'net-mtu-writable', name: 'Network MTU (writable)', description: 'Provides a writable MTU attribute for a network resource.' },
  { alias: 'port-security', name: 'Port Security', description: 'Provides port security' },
  { alias: 'security-group', name: 'security-group', description: 'The security groups extension.' },
  { alias: 'stateful-security-group', name: 'Stateful security group', description: 'Indicates if the security group is stateful or not' },
  { alias: 'router', name: 'Neutron L3 Router', description: 'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.' },
  { alias: 'ext-gw-mode', name: 'Neutron L3 Configurable external gateway mode', description: 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway' },
  { alias: 'extraroute', name: 'Neutron Extra Route', description: 'Extra routes configuration for L3 router' },
  { alias: 'fip-port-details', name: 'Floating IP Port Details Extension', description: 'Add port_details attribute to Floating IP resource' },
  { alias: 'quotas', name: 'Quota management support', description: 'Expose functions for quotas management per project' },
  { alias: 'quota_details', name: 'Quota details management support', description: 'Expose functions for quotas usage statistics per project' },
  { alias: 'agent', name: 'agent', description: 'The agent management extension.' },
  { alias: 'availability_zone', name: 'Availability Zone', description: 'The availability zone extension.' },
  { alias: 'network-ip-availability', name: 'Network IP Availability', description: 'Provides IP availability data for each network and subnet.' },
  { alias: 'subnet_allocation', name: 'Subnet Allocation', description: 'Enables allocation of subnets from a subnet pool' },
  { alias: 'default-subnetpools', name: 'Default Subnetpools', description: 'Provides ability to mark and use a subnetpool as the default.' },
  { alias: 'binding', name: 'Port Binding', description: 'Expose port bindings of a virtual port to external application' },
  { alias: 'allowed-address-pairs', name: 'Allowed Address Pairs', description: 'Provides allowed address pairs' },
  { alias: 'extra_dhcp_opt', name: 'Neutron Extra DHCP options', description: 'Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)' },
  { alias: 'subnet-service-types', name: 'Subnet service types', description: 'Provides ability to set the subnet service_types field' },
  { alias: 'standard-attr-description', name: 'standard-attr-description', description: 'Extension to add descriptions to standard attributes' },
  { alias: 'standard-attr-timestamp', name: 'Resource timestamps', description: 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.' },
  { alias: 'standard-attr-revisions', name: 'Resource revision numbers', description: 'This extension will display the revision number of neutron resources.' },
  { alias: 'standard-attr-tag', name: 'Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip', description: 'Enables to set tag on resources with standard attribute.' },
  { alias: 'project-id', name: 'project_id field enabled', description: 'Extension that indicates that project_id field is enabled.' },
  { alias: 'pagination', name: 'Pagination support', description: 'Extension that indicates that pagination is enabled.' },
  { alias: 'sorting', name: 'Sorting support', description: 'Extension that indicates that sorting is enabled.' },
  { alias: 'filter-validation', name: 'Filter parameters validation', description: 'Provides validation on filter parameters.' },
];

export function registerVersionRoutes(app: FastifyInstance, authed: Guard): void {
  app.get('/', async (request) => ({
    versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${requestBase(request)}/v2.0/`, rel: 'self' }] }],
  }));
  app.get('/v2.0', authed, async (request) => ({
    resources: RESOURCES.map(([name, collection]) => ({ name, collection, links: [{ href: `${requestBase(request)}/v2.0/${collection}`, rel: 'self' }] })),
  }));
  app.get('/v2.0/extensions', authed, async () => ({
    extensions: EXTENSIONS.map((e) => ({ ...e, links: [], updated: '2013-01-20T00:00:00-00:00' })),
  }));
  app.get<{ Params: { alias: string } }>('/v2.0/extensions/:alias', authed, async (request, reply) => {
    const e = EXTENSIONS.find((x) => x.alias === request.params.alias);
    if (!e) return reply.status(404).send({ NeutronError: { type: 'HTTPNotFound', message: `Extension with alias ${request.params.alias} does not exist`, detail: '' } });
    return { extension: { ...e, links: [], updated: '2013-01-20T00:00:00-00:00' } };
  });
}
