import type { RequestContext } from '../../core/auth/index.js';
import { listFloatingIps } from '../db/floating-ips.js';
import { deletePortRow, getPort, listPorts, updatePortRow } from '../db/ports.js';
import { deleteRouterRow, getRouter, insertRouter, listRouters, routersOnSubnet, updateRouterRow } from '../db/routers.js';
import { getSubnet } from '../db/subnets.js';
import { badRequest, inUse, NeutronError, notFound } from '../errors.js';
import { canonicalAddress, cidrContains, cidrsOverlap, parseAddress, parseCidr } from '../../core/net/address.js';
import { generateMac } from '../ipam/mac.js';
import { DEVICE_OWNER, type Port, type Router, type Subnet } from '../model.js';
import type { NetworkService } from '../service.js';
import { checkBools, checkStrings, ownerOf, rejectUnknown, toBool, type Body } from './attributes.js';
import { visibleNetwork } from './networks.js';
import { withinQuota } from './quotas.js';
import { fixedIpRequests } from './port-rules.js';
import { portNotFound, savePort, visiblePort } from './ports.js';
import { hostRoutes } from './subnet-rules.js';
import { visibleSubnet } from './subnets.js';

export const routerNotFound = (id: string): NeutronError => notFound('RouterNotFound', `Router ${id} could not be found`);
export const routerTarget = (r: Pick<Router, 'id' | 'projectId'>): Record<string, unknown> => ({ id: r.id, tenant_id: r.projectId, project_id: r.projectId });

const CREATE = new Set(['name', 'description', 'admin_state_up', 'external_gateway_info', 'tenant_id', 'project_id', 'availability_zone_hints']);
const UPDATE = new Set(['name', 'description', 'admin_state_up', 'external_gateway_info', 'routes']);

/** A new port the network service makes for itself (router interfaces and gateways, floating IPs). */
export function servicePort(svc: NetworkService, fields: { projectId: string; networkId: string; deviceOwner: string; deviceId: string }): Port {
  const now = svc.clock.now();
  return {
    id: svc.ids.uuid(), ...fields, name: '', description: '', macAddress: generateMac(svc.settings.baseMac), adminStateUp: true, status: 'DOWN',
    fixedIps: [], securityGroups: [], portSecurityEnabled: false, allowedAddressPairs: [], extraDhcpOpts: [],
    binding: { hostId: '', vnicType: 'normal', vifType: 'unbound', vifDetails: {}, profile: {} },
    revisionNumber: 1, createdAt: now, updatedAt: now, tags: [],
  };
}

/** Neutron's external_gateway_info checks; the gateway port is made by `attachGateway`. */
function gatewayRequest(svc: NetworkService, ctx: RequestContext, action: 'create_router' | 'update_router', router: Router, info: unknown):
  { networkId: string; enableSnat: boolean; fixedIps: Body[] | undefined } | null {
  if (info === null || (typeof info === 'object' && info !== null && Object.keys(info).length === 0)) return null;
  if (typeof info !== 'object' || Array.isArray(info)) throw badRequest('router', `Invalid external_gateway_info: ${JSON.stringify(info)}`);
  const g = info as Body;
  for (const key of Object.keys(g)) if (!['network_id', 'enable_snat', 'external_fixed_ips'].includes(key)) throw badRequest('router', `Unrecognized attribute(s) '${key}'`);
  if (typeof g['network_id'] !== 'string') throw badRequest('router', 'network_id is required in external_gateway_info');
  const target = routerTarget(router);
  svc.authorize(ctx, `${action}:external_gateway_info`, target);
  if (g['enable_snat'] !== undefined) svc.authorize(ctx, `${action}:external_gateway_info:enable_snat`, target);
  if (g['external_fixed_ips'] !== undefined) svc.authorize(ctx, `${action}:external_gateway_info:external_fixed_ips`, target);
  checkBools(g, ['enable_snat']);
  return { networkId: g['network_id'], enableSnat: toBool(g['enable_snat'], true), fixedIps: g['external_fixed_ips'] as Body[] | undefined };
}

async function attachGateway(svc: NetworkService, ctx: RequestContext, router: Router, gw: { networkId: string; fixedIps: Body[] | undefined }): Promise<string> {
  const network = await visibleNetwork(svc, ctx, gw.networkId);
  if (!network.routerExternal) throw badRequest('router', `Network ${network.id} is not an external network`);
  const port = servicePort(svc, { projectId: '', networkId: network.id, deviceOwner: DEVICE_OWNER.routerGateway, deviceId: router.id });
  const requests = gw.fixedIps === undefined ? undefined : fixedIpRequests(gw.fixedIps, svc.settings.maxFixedIpsPerPort);
  await savePort(svc, port, requests, false);
  return port.id;
}

export async function createRouter(svc: NetworkService, ctx: RequestContext, body: Body): Promise<Router> {
  rejectUnknown(body, CREATE);
  checkStrings(body, { name: 255, description: 255 });
  checkBools(body, ['admin_state_up']);
  const now = svc.clock.now();
  const router: Router = {
    id: svc.ids.uuid(), projectId: ownerOf(body, ctx.projectId ?? null, svc.isAdmin(ctx)), name: (body['name'] as string | undefined) ?? '',
    description: (body['description'] as string | undefined) ?? '', adminStateUp: toBool(body['admin_state_up'], true), status: 'ACTIVE',
    gwPortId: null, enableSnat: true, routes: [], availabilityZoneHints: (body['availability_zone_hints'] as string[] | undefined) ?? [],
    revisionNumber: 1, createdAt: now, updatedAt: now, tags: [],
  };
  svc.authorize(ctx, 'create_router', routerTarget(router));
  const gw = body['external_gateway_info'] === undefined ? null : gatewayRequest(svc, ctx, 'create_router', router, body['external_gateway_info']);
  return withinQuota(svc, router.projectId, 'router', async () => {
    await insertRouter(svc.db, router);
    if (gw) {
      try {
        router.gwPortId = await attachGateway(svc, ctx, router, gw);
      } catch (e) {
        await deleteRouterRow(svc.db, router.id);
        svc.addressBook.clear();
        throw e;
      }
      router.enableSnat = gw.enableSnat;
      await updateRouterRow(svc.db, router);
    }
    svc.notifier.routersChanged([router.id]);
    return router;
  });
}

export async function visibleRouter(svc: NetworkService, ctx: RequestContext, id: string): Promise<Router> {
  const r = await getRouter(svc.db, id);
  if (!r || !svc.allowed(ctx, 'get_router', routerTarget(r))) throw routerNotFound(id);
  return r;
}

export async function visibleRouters(svc: NetworkService, ctx: RequestContext): Promise<Router[]> {
  const routers = await listRouters(svc.db, svc.isAdmin(ctx) ? undefined : ctx.projectId ?? '');
  return routers.filter((r) => svc.allowed(ctx, 'get_router', routerTarget(r)));
}

/** The router's interface ports (device_owner network:router_interface). */
export async function interfacePorts(svc: NetworkService, routerId: string): Promise<Port[]> {
  return (await listPorts(svc.db, { deviceId: routerId })).filter((p) => p.deviceOwner === DEVICE_OWNER.routerInterface);
}

async function checkRoutes(svc: NetworkService, router: Router, routes: Router['routes']): Promise<void> {
  const subnetIds = (await interfacePorts(svc, router.id)).flatMap((p) => p.fixedIps.map((f) => f.subnetId));
  const cidrs = (await Promise.all(subnetIds.map((id) => getSubnet(svc.db, id)))).filter((s): s is Subnet => Boolean(s)).map((s) => parseCidr(s.cidr)!);
  for (const r of routes) {
    const hop = parseAddress(r.nexthop)!;
    if (!cidrs.some((c) => cidrContains(c, hop))) {
      throw new NeutronError(400, 'InvalidRoutes', `Invalid format for routes: ${JSON.stringify([r])}, the nexthop is not connected with router`);
    }
  }
}

export async function updateRouter(svc: NetworkService, ctx: RequestContext, id: string, body: Body): Promise<Router> {
  rejectUnknown(body, UPDATE);
  checkStrings(body, { name: 255, description: 255 });
  checkBools(body, ['admin_state_up']);
  return svc.networkLocks.run(`router:${id}`, async () => {
    const router = await visibleRouter(svc, ctx, id);
    svc.authorize(ctx, 'update_router', routerTarget(router));
    if (body['name'] !== undefined) router.name = body['name'] as string;
    if (body['description'] !== undefined) router.description = body['description'] as string;
    if (body['admin_state_up'] !== undefined) router.adminStateUp = toBool(body['admin_state_up'], true);
    if (body['routes'] !== undefined) {
      const routes = hostRoutes(body['routes'] ?? [], null, Number.MAX_SAFE_INTEGER, id);
      await checkRoutes(svc, router, routes);
      router.routes = routes;
    }
    if (body['external_gateway_info'] !== undefined) await changeGateway(svc, ctx, router, body['external_gateway_info']);
    router.revisionNumber += 1;
    router.updatedAt = svc.clock.now();
    await updateRouterRow(svc.db, router);
    svc.notifier.routersChanged([router.id]);
    return router;
  });
}

async function changeGateway(svc: NetworkService, ctx: RequestContext, router: Router, info: unknown): Promise<void> {
  const gw = gatewayRequest(svc, ctx, 'update_router', router, info);
  const current = router.gwPortId ? await getPort(svc.db, router.gwPortId) : undefined;
  if (gw && current && current.networkId === gw.networkId && gw.fixedIps === undefined) {
    router.enableSnat = gw.enableSnat;
    return;
  }
  if (current) {
    const fips = (await listFloatingIps(svc.db)).filter((f) => f.routerId === router.id);
    if (fips.length) {
      throw new NeutronError(409, 'RouterExternalGatewayInUseByFloatingIp',
        `Gateway cannot be updated for router ${router.id}, since a gateway to external network ${current.networkId} is required by one or more floating IPs.`);
    }
  }
  const newPort = gw ? await attachGateway(svc, ctx, router, gw) : null;
  router.gwPortId = newPort;
  router.enableSnat = gw?.enableSnat ?? true;
  await updateRouterRow(svc.db, router);
  if (current) await deletePortRow(svc.db, current.id);
  svc.addressBook.clear();
}

export async function deleteRouter(svc: NetworkService, ctx: RequestContext, id: string): Promise<void> {
  const router = await visibleRouter(svc, ctx, id);
  svc.authorize(ctx, 'delete_router', routerTarget(router));
  const outcome = await svc.networkLocks.run(`router:${id}`, () => deleteRouterRow(svc.db, id));
  svc.addressBook.clear();
  if (outcome === 'not-found') throw routerNotFound(id);
  if (outcome === 'in-use') throw inUse('RouterInUse', `Router ${id} still has ports`);
  svc.notifier.routersChanged([id]);
}

/** The body add/remove_router_interface answer with. */
export interface InterfaceInfo {
  id: string;
  tenant_id: string;
  project_id: string;
  port_id: string;
  subnet_id: string;
  subnet_ids: string[];
  network_id: string;
}

const interfaceInfo = (router: Router, port: Port): InterfaceInfo => ({
  id: router.id, tenant_id: router.projectId, project_id: router.projectId, port_id: port.id, network_id: port.networkId,
  subnet_id: port.fixedIps[0]?.subnetId ?? '', subnet_ids: port.fixedIps.map((f) => f.subnetId),
});

function interfaceTarget(body: Body): { subnetId?: string; portId?: string } {
  const subnetId = body['subnet_id'];
  const portId = body['port_id'];
  if (subnetId !== undefined && portId !== undefined) throw badRequest('router', 'Cannot specify both subnet-id and port-id');
  if (subnetId === undefined && portId === undefined) throw badRequest('router', 'Either subnet_id or port_id must be specified');
  return { ...(typeof subnetId === 'string' ? { subnetId } : {}), ...(typeof portId === 'string' ? { portId } : {}) };
}

/** Refuses a subnet whose cidr overlaps one the router already routes (a router cannot route both). */
async function checkNoOverlap(svc: NetworkService, router: Router, subnets: Subnet[]): Promise<void> {
  for (const p of await interfacePorts(svc, router.id)) {
    for (const f of p.fixedIps) {
      const existing = await getSubnet(svc.db, f.subnetId);
      if (!existing) continue;
      for (const s of subnets) {
        if (s.id === existing.id) throw badRequest('router', `Router already has a port on subnet ${s.id}`);
        if (cidrsOverlap(parseCidr(s.cidr)!, parseCidr(existing.cidr)!)) {
          throw badRequest('router', `Cidr ${s.cidr} of subnet ${s.id} overlaps with cidr ${existing.cidr} of subnet ${existing.id}`);
        }
      }
    }
  }
}

export async function addInterface(svc: NetworkService, ctx: RequestContext, id: string, body: Body): Promise<InterfaceInfo> {
  const target = interfaceTarget(body);
  return svc.networkLocks.run(`router:${id}`, async () => {
    const router = await visibleRouter(svc, ctx, id);
    svc.authorize(ctx, 'add_router_interface', routerTarget(router));
    if (target.portId !== undefined) {
      const { port } = await visiblePort(svc, ctx, target.portId);
      if (port.deviceId) {
        throw new NeutronError(409, 'PortInUse', `Unable to complete operation on port ${port.id} for network ${port.networkId}. Port already has an attached device ${port.deviceId}.`);
      }
      if (port.fixedIps.length === 0) throw badRequest('router', 'Router port must have at least one fixed IP');
      const subnets = (await Promise.all(port.fixedIps.map((f) => getSubnet(svc.db, f.subnetId)))).filter((s): s is Subnet => Boolean(s));
      await checkNoOverlap(svc, router, subnets);
      port.deviceId = router.id;
      port.deviceOwner = DEVICE_OWNER.routerInterface;
      port.securityGroups = [];
      port.portSecurityEnabled = false;
      port.allowedAddressPairs = [];
      port.revisionNumber += 1;
      port.updatedAt = svc.clock.now();
      await updatePortRow(svc.db, port, true);
      svc.notifier.routersChanged([router.id]);
      return interfaceInfo(router, port);
    }
    const { subnet } = await visibleSubnet(svc, ctx, target.subnetId!);
    if (!subnet.gatewayIp) throw badRequest('router', `Subnet for router interface must have a gateway IP`);
    await checkNoOverlap(svc, router, [subnet]);
    const port = servicePort(svc, { projectId: router.projectId, networkId: subnet.networkId, deviceOwner: DEVICE_OWNER.routerInterface, deviceId: router.id });
    await savePort(svc, port, [{ subnetId: subnet.id, ipAddress: canonicalAddress(subnet.gatewayIp)! }], false);
    svc.notifier.routersChanged([router.id]);
    return interfaceInfo(router, port);
  });
}

export async function removeInterface(svc: NetworkService, ctx: RequestContext, id: string, body: Body): Promise<InterfaceInfo> {
  const target = { subnetId: body['subnet_id'] as string | undefined, portId: body['port_id'] as string | undefined };
  if (target.subnetId === undefined && target.portId === undefined) throw badRequest('router', 'Either subnet_id or port_id must be specified');
  return svc.networkLocks.run(`router:${id}`, async () => {
    const router = await visibleRouter(svc, ctx, id);
    svc.authorize(ctx, 'remove_router_interface', routerTarget(router));
    const ports = await interfacePorts(svc, router.id);
    let port: Port | undefined;
    if (target.portId !== undefined) {
      port = ports.find((p) => p.id === target.portId);
      if (!port) throw notFound('RouterInterfaceNotFound', `Router ${router.id} does not have an interface with id ${target.portId}`);
      if (target.subnetId !== undefined && !port.fixedIps.some((f) => f.subnetId === target.subnetId)) {
        throw new NeutronError(409, 'SubnetMismatchForPort', `Subnet on port ${port.id} does not match the requested subnet ${target.subnetId}.`);
      }
    } else {
      port = ports.find((p) => p.fixedIps.some((f) => f.subnetId === target.subnetId));
      if (!port) throw notFound('RouterInterfaceNotFoundForSubnet', `Router ${router.id} has no interface on subnet ${target.subnetId!}`);
    }
    const subnetIds = new Set(port.fixedIps.map((f) => f.subnetId));
    const fips = (await listFloatingIps(svc.db)).filter((f) => f.routerId === router.id);
    for (const fip of fips) {
      const fixed = fip.fixedPortId ? await getPort(svc.db, fip.fixedPortId) : undefined;
      if (fixed?.fixedIps.some((f) => subnetIds.has(f.subnetId) && f.ipAddress === fip.fixedIpAddress)) {
        throw new NeutronError(409, 'RouterInterfaceInUseByFloatingIP',
          `Router interface for subnet ${[...subnetIds][0]!} on router ${router.id} cannot be deleted, as it is required by one or more floating IPs.`);
      }
    }
    if (!(await deletePortRow(svc.db, port.id))) throw portNotFound(port.id);
    svc.addressBook.clear();
    svc.notifier.routersChanged([router.id]);
    return interfaceInfo(router, port);
  });
}

/** The routers that connect a subnet to an external network (for floating IPs). */
export async function routerBetween(svc: NetworkService, subnetId: string, externalNetworkId: string): Promise<Router | undefined> {
  for (const { routerId } of await routersOnSubnet(svc.db, subnetId)) {
    const router = await getRouter(svc.db, routerId);
    const gw = router?.gwPortId ? await getPort(svc.db, router.gwPortId) : undefined;
    if (router && gw?.networkId === externalNetworkId) return router;
  }
  return undefined;
}

/** A router's gateway port (for its external_gateway_info), if it has a gateway. */
export async function gatewayPort(svc: NetworkService, router: Router): Promise<Port | undefined> {
  return router.gwPortId ? getPort(svc.db, router.gwPortId) : undefined;
}
