import type { RequestContext } from '../../core/auth/index.js';
import { deleteNetworkRow, getNetwork, insertNetwork, listNetworks, setTags, updateNetworkRow } from '../db/networks.js';
import { invalidInput, NeutronError, notFound } from '../errors.js';
import { VXLAN_OVERHEAD, type Network } from '../model.js';
import type { NetworkService } from '../service.js';
import { freeVni } from './segments.js';

export const networkNotFound = (id: string): NeutronError => notFound('NetworkNotFound', `Network ${id} could not be found.`);

/** What Neutron's policy sees of a network. */
export function networkTarget(n: Network): Record<string, unknown> {
  return { tenant_id: n.projectId, project_id: n.projectId, shared: n.shared, 'router:external': n.routerExternal, id: n.id };
}

type Body = Record<string, unknown>;

const STRING_FIELDS = { name: 255, description: 255 } as const;
const BOOL_FIELDS = ['admin_state_up', 'shared', 'port_security_enabled', 'router:external'] as const;
const ADMIN_FIELDS = ['shared', 'router:external', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id'] as const;
const ALLOWED_ON_CREATE = new Set(['name', 'description', 'admin_state_up', 'shared', 'port_security_enabled', 'router:external', 'mtu',
  'availability_zone_hints', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id', 'tenant_id', 'project_id', 'dns_domain', 'qos_policy_id', 'is_default']);
const ALLOWED_ON_UPDATE = new Set(['name', 'description', 'admin_state_up', 'shared', 'port_security_enabled', 'router:external', 'mtu',
  'provider:network_type', 'provider:physical_network', 'provider:segmentation_id', 'dns_domain', 'qos_policy_id', 'is_default']);

/** Neutron's attribute validation for a network body (create or update). */
function validate(body: Body, allowed: Set<string>): void {
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) throw new NeutronError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${key}'`);
  }
  for (const [key, max] of Object.entries(STRING_FIELDS)) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw invalidInput(`'${String(v)}' is not a valid string`);
    if (v.length > max) throw invalidInput(`'${v}' exceeds maximum length of ${max}`);
  }
  for (const key of BOOL_FIELDS) {
    const v = body[key];
    if (v !== undefined && typeof v !== 'boolean' && !['true', 'false', 'True', 'False'].includes(String(v))) {
      throw invalidInput(`'${String(v)}' cannot be converted to boolean`);
    }
  }
  if (body['mtu'] !== undefined && (!Number.isInteger(body['mtu']) || (body['mtu'] as number) < 68)) {
    throw invalidInput(`'${String(body['mtu'])}' is too small - must be at least '68'`);
  }
}

const asBool = (v: unknown, fallback: boolean): boolean => (v === undefined ? fallback : v === true || String(v).toLowerCase() === 'true');

/** POST /v2.0/networks: a project network gets the first free VNI of the configured ranges. */
export async function createNetwork(svc: NetworkService, ctx: RequestContext, body: Body): Promise<Network> {
  validate(body, ALLOWED_ON_CREATE);
  const projectId = (body['project_id'] ?? body['tenant_id'] ?? ctx.projectId ?? '') as string;
  if (body['project_id'] !== undefined && body['tenant_id'] !== undefined && body['project_id'] !== body['tenant_id']) {
    throw invalidInput("'project_id' and 'tenant_id' do not match");
  }
  const now = svc.clock.now();
  const type = (body['provider:network_type'] as Network['networkType'] | undefined) ?? (svc.settings.tenantNetworkTypes[0] as Network['networkType']);
  if (!['local', 'flat', 'vlan', 'vxlan'].includes(type)) throw invalidInput(`network_type value '${String(type)}' not supported`);
  const network: Network = {
    id: svc.ids.uuid(), projectId, name: (body['name'] as string | undefined) ?? '', description: (body['description'] as string | undefined) ?? '',
    adminStateUp: asBool(body['admin_state_up'], true), status: 'ACTIVE', shared: asBool(body['shared'], false),
    mtu: 0, portSecurityEnabled: asBool(body['port_security_enabled'], true), routerExternal: asBool(body['router:external'], false),
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
  if (projectId !== ctx.projectId && !svc.isAdmin(ctx)) throw new NeutronError(403, 'HTTPForbidden', 'Specifying \'project_id\' or \'tenant_id\' other than the authenticated project in request requires admin privileges');
  for (const key of ADMIN_FIELDS) if (body[key] !== undefined) svc.authorize(ctx, `create_network:${key}`, networkTarget(network));
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
  if (body['admin_state_up'] !== undefined) n.adminStateUp = asBool(body['admin_state_up'], true);
  if (body['shared'] !== undefined) n.shared = asBool(body['shared'], false);
  if (body['port_security_enabled'] !== undefined) n.portSecurityEnabled = asBool(body['port_security_enabled'], true);
  if (body['router:external'] !== undefined) n.routerExternal = asBool(body['router:external'], false);
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
  if (!(await deleteNetworkRow(svc.db, id))) throw networkNotFound(id);
}

/** PUT /v2.0/networks/{id}/tags: replaces the network's tags. */
export async function replaceTags(svc: NetworkService, ctx: RequestContext, id: string, tags: unknown): Promise<string[]> {
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t.length > 255 || t === '')) throw invalidInput('Invalid tags body');
  const n = await visibleNetwork(svc, ctx, id);
  svc.authorize(ctx, 'update_network', networkTarget(n));
  await setTags(svc.db, id, tags as string[]);
  return [...new Set(tags as string[])].sort();
}
