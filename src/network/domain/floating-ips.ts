import type { RequestContext } from '../../core/auth/index.js';
import { deleteFloatingIpRow, getFloatingIp, insertFloatingIp, listFloatingIps, updateFloatingIpRow } from '../db/floating-ips.js';
import { deletePortRow, getPort } from '../db/ports.js';
import { badRequest, NeutronError, notFound } from '../errors.js';
import { canonicalAddress, parseAddress } from '../../core/net/address.js';
import { DEVICE_OWNER, type FloatingIp, type Port } from '../model.js';
import type { NetworkService } from '../service.js';
import { checkStrings, ownerOf, rejectUnknown, type Body } from './attributes.js';
import { visibleNetwork } from './networks.js';
import { withinQuota } from './quotas.js';
import { floatingIpsMoved } from './port-status.js';
import { savePort, visiblePort } from './ports.js';
import { routerBetween, servicePort } from './routers.js';

export const floatingIpNotFound = (id: string): NeutronError => notFound('FloatingIPNotFound', `Floating IP ${id} could not be found`);
const fipTarget = (f: Pick<FloatingIp, 'id' | 'projectId'>): Record<string, unknown> => ({ id: f.id, tenant_id: f.projectId, project_id: f.projectId });

const CREATE = new Set(['floating_network_id', 'floating_ip_address', 'subnet_id', 'port_id', 'fixed_ip_address', 'description', 'tenant_id', 'project_id']);
const UPDATE = new Set(['port_id', 'fixed_ip_address', 'description']);

/** Where a floating IP points: a port's fixed IPv4 address behind a router to the floating network. */
interface Association {
  fixedPortId: string | null;
  fixedIpAddress: string | null;
  routerId: string | null;
}

const NONE: Association = { fixedPortId: null, fixedIpAddress: null, routerId: null };

/**
 * Neutron's association rules: the port is the floating IP owner's, the fixed address
 * is one of its IPv4 addresses (named when it has several), and a router joins that
 * address's subnet to the floating network.
 */
async function associationFor(svc: NetworkService, ctx: RequestContext, fip: FloatingIp, portId: unknown, fixedIp: unknown): Promise<Association> {
  if (portId === null || portId === undefined) return NONE;
  const { port } = await visiblePort(svc, ctx, String(portId));
  if (port.projectId !== fip.projectId && !svc.isAdmin(ctx)) throw notFound('PortNotFound', `Port ${port.id} could not be found.`);
  if (port.deviceOwner.startsWith('network:')) throw badRequest('floatingip', `Port ${port.id} has owner ${port.deviceOwner} and therefore cannot be associated with a floating IP`);
  const fixed = pickFixedIp(port, fixedIp);
  const router = await routerBetween(svc, fixed.subnetId, fip.floatingNetworkId);
  if (!router) {
    throw notFound('ExternalGatewayForFloatingIPNotFound',
      `External network ${fip.floatingNetworkId} is not reachable from subnet ${fixed.subnetId}.  Therefore, cannot associate Port ${port.id} with a Floating IP.`);
  }
  return { fixedPortId: port.id, fixedIpAddress: fixed.ipAddress, routerId: router.id };
}

function pickFixedIp(port: Port, requested: unknown): { subnetId: string; ipAddress: string } {
  if (requested !== undefined && requested !== null) {
    const ip = canonicalAddress(requested);
    const match = ip && port.fixedIps.find((f) => f.ipAddress === ip);
    if (!match) throw badRequest('floatingip', `Port ${port.id} does not have fixed ip ${String(requested)}`);
    if (parseAddress(ip)!.version !== 4) throw badRequest('floatingip', `Cannot process floating IP association with ${ip}, since that is not an IPv4 address`);
    return match;
  }
  const v4 = port.fixedIps.filter((f) => parseAddress(f.ipAddress)!.version === 4);
  if (v4.length === 0) throw badRequest('floatingip', `No IPv4 addresses found on Port ${port.id}`);
  if (v4.length > 1) throw badRequest('floatingip', `Port ${port.id} has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP`);
  return v4[0]!;
}

const alreadyAssociated = (fip: FloatingIp, a: Association): NeutronError => new NeutronError(409, 'FloatingIPPortAlreadyAssociated',
  `Cannot associate floating IP ${fip.floatingIpAddress} (${fip.id}) with port ${a.fixedPortId!} using fixed IP ${a.fixedIpAddress!}, as that fixed IP already has a floating IP on external network ${fip.floatingNetworkId}.`);

export async function createFloatingIp(svc: NetworkService, ctx: RequestContext, body: Body): Promise<FloatingIp> {
  rejectUnknown(body, CREATE);
  checkStrings(body, { description: 255 });
  if (typeof body['floating_network_id'] !== 'string') throw badRequest('floatingip', "Failed to parse request. Required attribute 'floating_network_id' not specified");
  const network = await visibleNetwork(svc, ctx, body['floating_network_id']);
  if (!network.routerExternal) throw badRequest('floatingip', `Network ${network.id} is not a valid external network`);
  const now = svc.clock.now();
  const fip: FloatingIp = {
    id: svc.ids.uuid(), projectId: ownerOf(body, ctx.projectId ?? null, svc.isAdmin(ctx)), floatingNetworkId: network.id, floatingPortId: '',
    floatingIpAddress: '', ...NONE, status: 'DOWN', description: (body['description'] as string | undefined) ?? '',
    revisionNumber: 1, createdAt: now, updatedAt: now, tags: [],
  };
  svc.authorize(ctx, 'create_floatingip', fipTarget(fip));
  if (body['floating_ip_address'] !== undefined) svc.authorize(ctx, 'create_floatingip:floating_ip_address', fipTarget(fip));
  Object.assign(fip, await associationFor(svc, ctx, fip, body['port_id'], body['fixed_ip_address']));
  const request: { subnetId?: string; ipAddress?: string } = {};
  if (body['floating_ip_address'] !== undefined) {
    const ip = canonicalAddress(body['floating_ip_address']);
    if (!ip) throw badRequest('floatingip', `'${String(body['floating_ip_address'])}' is not a valid IP address`);
    request.ipAddress = ip;
  }
  if (typeof body['subnet_id'] === 'string') request.subnetId = body['subnet_id'];
  return withinQuota(svc, fip.projectId, 'floatingip', async () => {
    const port = servicePort(svc, { projectId: '', networkId: network.id, deviceOwner: DEVICE_OWNER.floatingIp, deviceId: fip.id });
    // The address port takes the network's usual addresses; the floating address is its IPv4 one.
    await savePort(svc, port, request.ipAddress || request.subnetId ? [request] : undefined, false);
    const v4 = port.fixedIps.find((f) => parseAddress(f.ipAddress)!.version === 4);
    if (!v4) {
      await deletePortRow(svc.db, port.id);
      svc.addressBook.clear();
      throw badRequest('floatingip', `Network ${network.id} does not contain any IPv4 subnet`);
    }
    fip.floatingPortId = port.id;
    fip.floatingIpAddress = v4.ipAddress;
    fip.status = fip.fixedPortId ? 'ACTIVE' : 'DOWN';
    try {
      await insertFloatingIp(svc.db, fip);
    } catch (e) {
      await deletePortRow(svc.db, port.id);
      svc.addressBook.clear();
      if (fip.fixedPortId && (await listFloatingIps(svc.db)).some((o) => o.fixedPortId === fip.fixedPortId && o.fixedIpAddress === fip.fixedIpAddress)) {
        throw alreadyAssociated(fip, fip);
      }
      throw e;
    }
    svc.notifier.routersChanged([fip.routerId]);
    await floatingIpsMoved(svc, [fip.fixedPortId]);
    return fip;
  });
}

export async function visibleFloatingIp(svc: NetworkService, ctx: RequestContext, id: string): Promise<FloatingIp> {
  const f = await getFloatingIp(svc.db, id);
  if (!f || !svc.allowed(ctx, 'get_floatingip', fipTarget(f))) throw floatingIpNotFound(id);
  return f;
}

export async function visibleFloatingIps(svc: NetworkService, ctx: RequestContext): Promise<FloatingIp[]> {
  const all = await listFloatingIps(svc.db, svc.isAdmin(ctx) ? undefined : ctx.projectId ?? '');
  return all.filter((f) => svc.allowed(ctx, 'get_floatingip', fipTarget(f)));
}

export async function updateFloatingIp(svc: NetworkService, ctx: RequestContext, id: string, body: Body): Promise<FloatingIp> {
  rejectUnknown(body, UPDATE);
  checkStrings(body, { description: 255 });
  const fip = await visibleFloatingIp(svc, ctx, id);
  svc.authorize(ctx, 'update_floatingip', fipTarget(fip));
  if (body['description'] !== undefined) fip.description = body['description'] as string;
  const routerBefore = fip.routerId;
  const portBefore = fip.fixedPortId;
  if (body['port_id'] !== undefined) {
    Object.assign(fip, await associationFor(svc, ctx, fip, body['port_id'], body['fixed_ip_address']));
    fip.status = fip.fixedPortId ? 'ACTIVE' : 'DOWN';
  }
  fip.revisionNumber += 1;
  fip.updatedAt = svc.clock.now();
  if (!(await updateFloatingIpRow(svc.db, fip))) throw alreadyAssociated(fip, fip);
  svc.notifier.routersChanged([routerBefore, fip.routerId]);
  if (portBefore !== fip.fixedPortId) await floatingIpsMoved(svc, [portBefore, fip.fixedPortId]);
  return fip;
}

export async function deleteFloatingIp(svc: NetworkService, ctx: RequestContext, id: string): Promise<void> {
  const fip = await visibleFloatingIp(svc, ctx, id);
  svc.authorize(ctx, 'delete_floatingip', fipTarget(fip));
  if (!(await deleteFloatingIpRow(svc.db, fip))) throw floatingIpNotFound(id);
  svc.addressBook.clear();
  svc.notifier.routersChanged([fip.routerId]);
  await floatingIpsMoved(svc, [fip.fixedPortId]);
}

/** The fixed port's summary shown as port_details (the fip-port-details extension). */
export async function portDetails(svc: NetworkService, fip: FloatingIp): Promise<Port | undefined> {
  return fip.fixedPortId ? getPort(svc.db, fip.fixedPortId) : undefined;
}
