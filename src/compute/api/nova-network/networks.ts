import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../../core/auth/index.js';
import type { NetworkInfo } from '../../../network/contract/client.js';
import { translated } from '../../domain/neutron-faults.js';
import { badRequest, gone, notFound } from '../../errors.js';
import type { ComputeService } from '../../service.js';
import type { Guard } from '../index.js';
import { UNTIL_2_35 } from './proxy-request.js';

type IdParams = { Params: { id: string } };

/** nova-network's fields: with Neutron only the id and the label (the name) mean anything; admins see the rest as null. */
const FIELDS = ['cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2', 'cidr_v6', 'gateway_v6', 'netmask_v6'];
const ADMIN_FIELDS = ['created_at', 'updated_at', 'deleted_at', 'deleted', 'injected', 'bridge', 'vlan', 'vpn_public_address', 'vpn_public_port',
  'vpn_private_address', 'dhcp_start', 'project_id', 'host', 'bridge_interface', 'multi_host', 'priority', 'rxtx_base', 'mtu', 'dhcp_server',
  'enable_dhcp', 'share_address'];

function networkView(n: NetworkInfo, admin: boolean): Record<string, unknown> {
  const nulls = Object.fromEntries([...FIELDS, ...(admin ? ADMIN_FIELDS : [])].map((f) => [f, null]));
  return { ...nulls, id: n.id, label: n.name };
}

/** os-tenant-networks' view: the string 'None' for cidr is what Nova has always answered with Neutron. */
const tenantNetworkView = (n: NetworkInfo): Record<string, unknown> => ({ id: n.id, cidr: 'None', label: n.name });


const NETWORK_ACTIONS = new Set(['disassociate', 'disassociate_host', 'disassociate_project', 'associate_host']);

/** os-networks and os-tenant-networks (until 2.35): the networks the caller can see in Neutron. */
export function registerNetworkRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const until235 = { ...authed, ...UNTIL_2_35 };
  const lookup = (svcToken: string, id: string): Promise<NetworkInfo> =>
    translated(() => svc.clients.network(svcToken).network(id), (f) => (f.status === 404 ? notFound('Network not found') : undefined));

  for (const [base, policy, view] of [
    ['os-networks', 'os_compute_api:os-networks', (n: NetworkInfo, admin: boolean) => networkView(n, admin)],
    ['os-tenant-networks', 'os_compute_api:os-tenant-networks', (n: NetworkInfo) => tenantNetworkView(n)],
  ] as const) {
    app.get(`/v2.1/${base}`, until235, async (request) => {
      const ctx = callerOf(request);
      svc.authorize(ctx, `${policy}:list`);
      const admin = svc.isAdmin(ctx);
      return { networks: (await svc.clients.network(ctx.token).networks()).map((n) => view(n, admin)) };
    });
    app.get<IdParams>(`/v2.1/${base}/:id`, until235, async (request) => {
      const ctx = callerOf(request);
      svc.authorize(ctx, `${policy}:show`);
      return { network: view(await lookup(ctx.token, request.params.id), svc.isAdmin(ctx)) };
    });
    app.post(`/v2.1/${base}`, authed, gone);
    app.delete(`/v2.1/${base}/:id`, authed, gone);
  }
  app.post('/v2.1/os-networks/add', authed, gone);
  app.post<IdParams>('/v2.1/os-networks/:id/action', authed, async (request) => {
    const body = request.body;
    const key = body && typeof body === 'object' ? Object.keys(body)[0] ?? '' : '';
    if (!NETWORK_ACTIONS.has(key)) throw badRequest(`There is no such action: ${key}`);
    return gone();
  });
}
