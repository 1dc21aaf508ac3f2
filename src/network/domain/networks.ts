import { withinQuota } from './quotas.js';
import type { RequestContext } from '../../core/auth/index.js';
import { deleteNetworkRow, getNetwork, insertNetwork, listNetworks, updateNetworkRow } from '../db/networks.js';
import { invalidInput, inUse, NeutronError, notFound } from '../errors.js';
import { listPorts } from '../db/ports.js';
import { DEVICE_OWNER, VXLAN_OVERHEAD, type Network } from '../model.js';
import { announcePortChange } from './port-notices.js';
import type { NetworkService } from '../service.js';
import { checkBools, checkStrings, ownerOf, rejectUnknown, toBool, type Body } from './attributes.js';
import { freeVni } from './segments.js';

export const networkNotFound = (id: string): NeutronError => notFound('NetworkNotFound', `Network ${id} could not be found.`);

/** What Neutron's policy sees of a network. */
export function networkTarget(n: Network): Record<string, unknown> {
  return { tenant_id: n.projectId, project_id: n.projectId, shared: n.shared, 'router:external': n.routerExternal, id: n.id };
}

const STRING_FIELDS = { name: 255, description: 255 } as const;
const BOOL_FIELDS = ['admin_state_up', 'shared', 'port_security_enabled', 'router:external'] as const;
const ADMIN_FIELDS = ['shared', 'router:external', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id'] as const;
const ALLOWED_ON_CREATE = new Set(['name', 'description', 'admin_state_up', 'shared', 'port_security_enabled', 'router:external', 'mtu',
  'availability_zone_hints', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id', 'tenant_id', 'project_id', 'dns_domain', 'qos_policy_id', 'is_default']);
const ALLOWED_ON_UPDATE = new Set(['name', 'description', 'admin_state_up', 'shared', 'port_security_enabled', 'router:external', 'mtu',
  'provider:network_type', 'provider:physical_network', 'provider:segmentation_id', 'dns_domain', 'qos_policy_id', 'is_default']);

/** Neutron's attribute validation for a network body (create or update). */
function validate(body: Body, allowed: Set<string>): void {
  rejectUnknown(body, allowed);
  checkStrings(body, STRING_FIELDS);
  checkBools(body, BOOL_FIELDS);
  if (body['mtu'] !== undefined && (!Number.isInteger(body['mtu']) || (body['mtu'] as number) < 68)) {
    throw invalidInput(`'${String(body['mtu'])}' is too small - must be at least '68'`);
  }
}

/** POST /v2.0/networks: a project network gets the first free VNI of the configured ranges. */
export async function createNetwork(svc: NetworkService, ctx: RequestContext, body: Body): Promise<Network> {
  validate(body, ALLOWED_ON_CREATE);
  const projectId = ownerOf(body, ctx.projectId ?? null, svc.isAdmin(ctx));
  const now = svc.clock.now();
  const type = (body['provider:network_type'] as Network['networkType'] | undefined) ?? (svc.settings.tenantNetworkTypes[0] as Network['networkType']);
  if (!['local', 'flat', 'vlan', 'vxlan'].includes(type)) throw invalidInput(`network_type value '${String(type)}' not supported`);
  const network: Network = {
    id: svc.ids.uuid(), projectId, name: (body['name'] as string | undefined) ?? '', description: (body['description'] as string | undefined) ?? '',
    adminStateUp: toBool(body['admin_state_up'], true), status: 'ACTIVE', shared: toBool(body['shared'], false),
    mtu: 0, portSecurityEnabled: toBool(body['port_security_enabled'], true), routerExternal: toBool(body['router:external'], false),
    availabilityZoneHints: (body['availability_zone_hints'] as string[] | undefined) ?? [],
    networkType: type, physicalNetwork: (body['provider:physical_network'] as string | undefined) ?? null,
    segmentationId: (body['provider:segmentation_id'] as number | undefined) ?? null,
    revisionNumber: 1, createdAt: now, updatedAt: now, tags: [],
  };
  const maxMtu = type === 'vxlan' ? svc.settings.physnetMtu - VXLAN_OVERHEAD : svc.settings.physnetMtu;
  const mtu = body['mtu'] as number | undefined;
  if (mtu !== undefined && mtu > maxMtu) throw invalidInput(`Requested MTU is too big, maximum is ${maxMtu}`);
  network.mtu = mtu ?? maxMtu;
  svc.authorize(ctx, 'create_network', networkTarget(network));
  for (const key of ADMIN_FIELDS) if (body[key] !== undefined) svc.authorize(ctx, `create_network:${key}`, networkTarget(network));
  return withinQuota(svc, projectId, 'network', async () => {
    if (network.networkType === 'vxlan' && network.segmentationId === null) {
      // Two creates may pick the same free VNI; the unique index lets one win and the other retry.
      for (let attempt = 0; attempt < 20; attempt++) {
        network.segmentationId = await freeVni(svc);
        if (await insertNetwork(svc.db, network)) return network;
      }
      throw new NeutronError(409, 'NetworkVxlanPortRangeError', 'Could not allocate a VXLAN segment after repeated conflicts.');
    }
    if (!(await insertNetwork(svc.db, network))) {
      throw new NeutronError(409, 'SegmentationIdInUse', `Unable to create the network. The segmentation ID ${String(network.segmentationId)} is in use.`);
    }
    return network;
  });
}

/** A network the caller may see, or NetworkNotFound. */
export async function visibleNetwork(svc: NetworkService, ctx: RequestContext, id: string): Promise<Network> {
  const n = await getNetwork(svc.db, id);
  if (!n || !svc.allowed(ctx, 'get_network', networkTarget(n))) throw networkNotFound(id);
  return n;
}

export async function visibleNetworks(svc: NetworkService, ctx: RequestContext): Promise<Network[]> {
  const all = svc.isAdmin(ctx);
  const networks = await listNetworks(svc.db, { projectId: ctx.projectId ?? null, all });
  return networks.filter((n) => svc.allowed(ctx, 'get_network', networkTarget(n)));
}

export async function updateNetwork(svc: NetworkService, ctx: RequestContext, id: string, body: Body): Promise<Network> {
  validate(body, ALLOWED_ON_UPDATE);
  const n = await visibleNetwork(svc, ctx, id);
  svc.authorize(ctx, 'update_network', networkTarget(n));
  for (const key of ADMIN_FIELDS) if (body[key] !== undefined) svc.authorize(ctx, `update_network:${key}`, networkTarget(n));
  if (body['name'] !== undefined) n.name = body['name'] as string;
  if (body['description'] !== undefined) n.description = body['description'] as string;
  if (body['admin_state_up'] !== undefined) n.adminStateUp = toBool(body['admin_state_up'], true);
  if (body['shared'] !== undefined) n.shared = toBool(body['shared'], false);
  if (body['port_security_enabled'] !== undefined) n.portSecurityEnabled = toBool(body['port_security_enabled'], true);
  if (body['router:external'] !== undefined) n.routerExternal = toBool(body['router:external'], false);
  if (body['mtu'] !== undefined) {
    const maxMtu = n.networkType === 'vxlan' ? svc.settings.physnetMtu - VXLAN_OVERHEAD : svc.settings.physnetMtu;
    if ((body['mtu'] as number) > maxMtu) throw invalidInput(`Requested MTU is too big, maximum is ${maxMtu}`);
    n.mtu = body['mtu'] as number;
  }
  n.revisionNumber += 1;
  n.updatedAt = svc.clock.now();
  await updateNetworkRow(svc.db, n);
  return n;
}

export async function deleteNetwork(svc: NetworkService, ctx: RequestContext, id: string): Promise<void> {
  const n = await visibleNetwork(svc, ctx, id);
  svc.authorize(ctx, 'delete_network', networkTarget(n));
  const dhcpPorts = (await listPorts(svc.db, { networkId: id })).filter((p) => p.deviceOwner === DEVICE_OWNER.dhcp);
  const outcome = await deleteNetworkRow(svc.db, id);
  svc.addressBook.clear();
  if (outcome === 'not-found') throw networkNotFound(id);
  if (outcome === 'in-use') throw inUse('NetworkInUse', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
  // The DHCP servers' ports went with the network: their hosts unplug them and stop serving it.
  for (const p of dhcpPorts) await announcePortChange(svc, p, undefined);
  svc.notifier.dhcpNetworksChanged([id]);
}
