import type { RequestContext } from '../../core/auth/index.js';
import { listFloatingIps } from '../db/floating-ips.js';
import { getNetwork } from '../db/networks.js';
import { deletePortRow, getPort, insertPort, listPorts, macTaken, updatePortRow } from '../db/ports.js';
import { listSubnets } from '../db/subnets.js';
import { invalidInput, NeutronError, notFound } from '../errors.js';
import { canonicalMac, generateMac } from '../ipam/mac.js';
import { DEVICE_OWNER, type Network, type Port, type PortBinding } from '../model.js';
import type { NetworkService } from '../service.js';
import { checkBools, checkStrings, ownerOf, rejectUnknown, toBool, type Body } from './attributes.js';
import { hostHasLiveAgent } from './agents.js';
import { allocateAddresses } from './ip-allocation.js';
import { visibleNetwork, visibleNetworks } from './networks.js';
import { announcePortChange } from './port-notices.js';
import { portDeleted } from './port-status.js';
import { withinQuota } from './quotas.js';
import { defaultGroupIds, assertGroupsUsable } from './security-groups.js';
import { addressPairs, extraDhcpOpts, fixedIpRequests, securityGroupIds, type FixedIpRequest } from './port-rules.js';

export const portNotFound = (id: string): NeutronError => notFound('PortNotFound', `Port ${id} could not be found.`);

/** What Neutron's policy sees of a port: its owner, its network's owner and sharing. */
export function portTarget(p: Pick<Port, 'id' | 'projectId' | 'networkId' | 'deviceOwner'>, network: Network | undefined): Record<string, unknown> {
  return {
    id: p.id, tenant_id: p.projectId, project_id: p.projectId, network_id: p.networkId, device_owner: p.deviceOwner,
    'network:tenant_id': network?.projectId ?? null, 'network:project_id': network?.projectId ?? null, shared: network?.shared ?? false,
  };
}

const STRING_FIELDS = { name: 255, description: 255, device_id: 255, device_owner: 255, 'binding:host_id': 255 } as const;
const BOOLS = ['admin_state_up', 'port_security_enabled'];
const COMMON = ['name', 'description', 'admin_state_up', 'mac_address', 'fixed_ips', 'device_id', 'device_owner', 'security_groups',
  'port_security_enabled', 'allowed_address_pairs', 'extra_dhcp_opts', 'binding:host_id', 'binding:vnic_type', 'binding:profile'];
const ALLOWED_ON_CREATE = new Set([...COMMON, 'network_id', 'tenant_id', 'project_id']);
const ALLOWED_ON_UPDATE = new Set(COMMON);
/** Attributes whose use is governed by their own `<action>:<attribute>` rule. */
const GUARDED = ['mac_address', 'port_security_enabled', 'binding:host_id', 'binding:profile', 'allowed_address_pairs'] as const;
const VNIC_TYPES = ['normal', 'macvtap', 'direct', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'remote-managed', 'vdpa'];
/** Ports routers and floating IPs own: removed through their own API, never directly. */
const L3_OWNERS = new Set<string>([DEVICE_OWNER.routerInterface, DEVICE_OWNER.routerGateway, DEVICE_OWNER.floatingIp]);
/** Retries when another process took the address or MAC between our read and our insert. */
const SAVE_ATTEMPTS = 10;

/**
 * The binding a host gets: the bridge VIF with its filter when a live network agent
 * serves the host, binding_failed when none does (as Neutron's ML2 answers), unbound
 * without a host.
 */
async function bindingFor(svc: NetworkService, hostId: string, vnicType: string, profile: Record<string, unknown>): Promise<PortBinding> {
  if (!hostId) return { hostId: '', vnicType, profile, vifType: 'unbound', vifDetails: {} };
  if (!(await hostHasLiveAgent(svc, hostId))) return { hostId, vnicType, profile, vifType: 'binding_failed', vifDetails: {} };
  return { hostId, vnicType, profile, vifType: 'bridge', vifDetails: { connectivity: 'l2', port_filter: true } };
}

function checkBody(body: Body, allowed: Set<string>): void {
  rejectUnknown(body, allowed);
  checkStrings(body, STRING_FIELDS);
  checkBools(body, BOOLS);
  const vnic = body['binding:vnic_type'];
  if (vnic !== undefined && !VNIC_TYPES.includes(String(vnic))) throw invalidInput(`${String(vnic)} is not in ${JSON.stringify(VNIC_TYPES)}`);
  const profile = body['binding:profile'];
  if (profile !== undefined && profile !== null && (typeof profile !== 'object' || Array.isArray(profile))) throw invalidInput(`'${String(profile)}' is not a dictionary`);
}

function authorizeAttributes(svc: NetworkService, ctx: RequestContext, action: 'create_port' | 'update_port', body: Body, target: Record<string, unknown>): void {
  svc.authorize(ctx, action, target);
  for (const key of GUARDED) if (body[key] !== undefined) svc.authorize(ctx, `${action}:${key}`, target);
  const owner = body['device_owner'];
  // Neutron's network_device rule: only network owners (and admins) make network:* ports.
  if (typeof owner === 'string' && owner.startsWith('network:')) svc.authorize(ctx, `${action}:device_owner`, target);
  const fixed = body['fixed_ips'];
  if (Array.isArray(fixed)) {
    if (fixed.some((f) => (f as Body | null)?.['ip_address'] !== undefined)) svc.authorize(ctx, `${action}:fixed_ips:ip_address`, target);
    if (fixed.some((f) => (f as Body | null)?.['subnet_id'] !== undefined)) svc.authorize(ctx, `${action}:fixed_ips:subnet_id`, target);
  }
}

/** Port security rules shared by create and update. */
function checkPortSecurity(port: Port): void {
  if (!port.portSecurityEnabled && port.securityGroups.length) {
    throw new NeutronError(400, 'PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.');
  }
  if (!port.portSecurityEnabled && port.allowedAddressPairs.length) {
    throw new NeutronError(409, 'AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
  }
}

const macInUse = (networkId: string, mac: string): NeutronError =>
  new NeutronError(409, 'MacAddressInUse', `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`);

/** POST /v2.0/ports: addresses from IPAM, a unique MAC, the project's default group unless told otherwise. */
export async function createPort(svc: NetworkService, ctx: RequestContext, body: Body): Promise<Port> {
  checkBody(body, ALLOWED_ON_CREATE);
  if (body['network_id'] === undefined) throw invalidInput("Failed to parse request. Required attribute 'network_id' not specified");
  const network = await visibleNetwork(svc, ctx, String(body['network_id']));
  const projectId = ownerOf(body, ctx.projectId ?? null, svc.isAdmin(ctx));
  const givenMac = body['mac_address'] === undefined ? undefined : canonicalMac(body['mac_address']);
  if (body['mac_address'] !== undefined && !givenMac) throw invalidInput(`'${String(body['mac_address'])}' is not a valid MAC address`);
  const now = svc.clock.now();
  const deviceOwner = (body['device_owner'] as string | undefined) ?? '';
  const port: Port = {
    id: svc.ids.uuid(), projectId, networkId: network.id, name: (body['name'] as string | undefined) ?? '',
    description: (body['description'] as string | undefined) ?? '', macAddress: givenMac ?? generateMac(svc.settings.baseMac),
    adminStateUp: toBool(body['admin_state_up'], true), status: 'DOWN', deviceId: (body['device_id'] as string | undefined) ?? '', deviceOwner,
    fixedIps: [], securityGroups: [], portSecurityEnabled: toBool(body['port_security_enabled'], network.portSecurityEnabled),
    allowedAddressPairs: [], extraDhcpOpts: body['extra_dhcp_opts'] === undefined ? [] : extraDhcpOpts(body['extra_dhcp_opts']),
    binding: await bindingFor(svc, (body['binding:host_id'] as string | undefined) ?? '', (body['binding:vnic_type'] as string | undefined) ?? 'normal',
      (body['binding:profile'] as Record<string, unknown> | null | undefined) ?? {}),
    revisionNumber: 1, createdAt: now, updatedAt: now, tags: [],
  };
  port.allowedAddressPairs = body['allowed_address_pairs'] === undefined ? [] : addressPairs(body['allowed_address_pairs'], port.macAddress);
  authorizeAttributes(svc, ctx, 'create_port', body, portTarget(port, network));
  const requests = body['fixed_ips'] === undefined ? undefined : fixedIpRequests(body['fixed_ips'], svc.settings.maxFixedIpsPerPort);
  if (body['security_groups'] !== undefined) port.securityGroups = securityGroupIds(body['security_groups']);
  else if (port.portSecurityEnabled && !deviceOwner.startsWith('network:')) port.securityGroups = await defaultGroupIds(svc, projectId);
  checkPortSecurity(port);
  await assertGroupsUsable(svc, port.projectId, port.securityGroups);

  const saved = await withinQuota(svc, projectId, 'port', () => savePort(svc, port, requests, Boolean(givenMac)));
  await announcePortChange(svc, undefined, saved);
  return saved;
}

/**
 * Allocates a new port's addresses and inserts it, under its network's lock. Retries
 * when another process took an address or the (generated) MAC in between. Routers and
 * floating IPs create their service ports through here too.
 */
export async function savePort(svc: NetworkService, port: Port, requests: FixedIpRequest[] | undefined, macGiven: boolean): Promise<Port> {
  return svc.networkLocks.run(port.networkId, async () => {
    const subnets = await listSubnets(svc.db, [port.networkId]);
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      port.fixedIps = await allocateAddresses(svc, port.networkId, subnets, requests, port.macAddress, port.deviceOwner);
      if (await insertPort(svc.db, port) === 'saved') {
        svc.addressBook.taken(port.fixedIps);
        return port;
      }
      // A unique index refused the insert: another process took an address or the MAC.
      // Reread the subnets' truth, and pick a new MAC if that was the clash.
      svc.addressBook.forget(port.fixedIps.map((f) => f.subnetId));
      if (await macTaken(svc.db, port.networkId, port.macAddress)) {
        if (macGiven) throw macInUse(port.networkId, port.macAddress);
        const clashed = port.macAddress;
        port.macAddress = generateMac(svc.settings.baseMac);
        // Address pairs given without a MAC took the port's; they follow it to the new one.
        for (const pair of port.allowedAddressPairs) if (pair.mac_address === clashed) pair.mac_address = port.macAddress;
      }
    }
    throw new NeutronError(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${port.networkId}.`);
  });
}

/** A port the caller may see (with its network), or PortNotFound. */
export async function visiblePort(svc: NetworkService, ctx: RequestContext, id: string): Promise<{ port: Port; network: Network | undefined }> {
  const port = await getPort(svc.db, id);
  const network = port && await getNetwork(svc.db, port.networkId);
  if (!port || !svc.allowed(ctx, 'get_port', portTarget(port, network))) throw portNotFound(id);
  return { port, network };
}

/** Ports the caller may see: their own, and every port on networks they own. */
export async function visiblePorts(svc: NetworkService, ctx: RequestContext, filter: { networkId?: string; deviceId?: string } = {}): Promise<Port[]> {
  if (svc.isAdmin(ctx)) return listPorts(svc.db, filter);
  const owned = (await visibleNetworks(svc, ctx)).filter((n) => n.projectId === ctx.projectId).map((n) => n.id);
  return listPorts(svc.db, { ...filter, visibleTo: { projectId: ctx.projectId ?? '', networkIds: owned } });
}

export async function updatePort(svc: NetworkService, ctx: RequestContext, id: string, body: Body): Promise<Port> {
  checkBody(body, ALLOWED_ON_UPDATE);
  const { port, network } = await visiblePort(svc, ctx, id);
  const before: Port = structuredClone(port);
  authorizeAttributes(svc, ctx, 'update_port', body, portTarget(port, network));
  if (body['name'] !== undefined) port.name = body['name'] as string;
  if (body['description'] !== undefined) port.description = body['description'] as string;
  if (body['admin_state_up'] !== undefined) port.adminStateUp = toBool(body['admin_state_up'], true);
  if (body['device_id'] !== undefined) port.deviceId = body['device_id'] as string;
  if (body['device_owner'] !== undefined) port.deviceOwner = body['device_owner'] as string;
  if (body['port_security_enabled'] !== undefined) port.portSecurityEnabled = toBool(body['port_security_enabled'], true);
  if (body['mac_address'] !== undefined) {
    const mac = canonicalMac(body['mac_address']);
    if (!mac) throw invalidInput(`'${String(body['mac_address'])}' is not a valid MAC address`);
    if (port.binding.hostId && mac !== port.macAddress) throw new NeutronError(409, 'PortBound', `Unable to complete operation on port ${id}, port is already bound, port type: ${port.binding.vifType}, old_mac ${port.macAddress}, new_mac ${mac}.`);
    port.macAddress = mac;
  }
  if (body['allowed_address_pairs'] !== undefined) port.allowedAddressPairs = addressPairs(body['allowed_address_pairs'], port.macAddress);
  if (body['extra_dhcp_opts'] !== undefined) port.extraDhcpOpts = mergeDhcpOpts(port.extraDhcpOpts, extraDhcpOpts(body['extra_dhcp_opts']));
  if (body['security_groups'] !== undefined) port.securityGroups = securityGroupIds(body['security_groups']);
  if (body['binding:host_id'] !== undefined || body['binding:vnic_type'] !== undefined || body['binding:profile'] !== undefined) {
    port.binding = await bindingFor(svc, (body['binding:host_id'] as string | undefined) ?? port.binding.hostId,
      (body['binding:vnic_type'] as string | undefined) ?? port.binding.vnicType,
      body['binding:profile'] === undefined ? port.binding.profile : (body['binding:profile'] as Record<string, unknown> | null) ?? {});
    // A port that moves (or leaves) its host is down until the new host's agent plugs it.
    if (port.binding.hostId !== before.binding.hostId) port.status = 'DOWN';
  }
  checkPortSecurity(port);
  if (body['security_groups'] !== undefined) await assertGroupsUsable(svc, port.projectId, port.securityGroups);
  const requests = body['fixed_ips'] === undefined ? undefined : fixedIpRequests(body['fixed_ips'], svc.settings.maxFixedIpsPerPort);
  const childrenChanged = requests !== undefined || body['security_groups'] !== undefined;
  port.revisionNumber += 1;
  port.updatedAt = svc.clock.now();
  return svc.networkLocks.run(port.networkId, async () => {
    const subnets = requests ? await listSubnets(svc.db, [port.networkId]) : [];
    const held = port.fixedIps;
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      if (requests) port.fixedIps = await allocateAddresses(svc, port.networkId, subnets, requests, port.macAddress, port.deviceOwner, held);
      if (await updatePortRow(svc.db, port, childrenChanged) === 'saved') {
        if (requests) svc.addressBook.forget([...held, ...port.fixedIps].map((f) => f.subnetId));
        await announcePortChange(svc, before, port);
        return port;
      }
      svc.addressBook.forget(port.fixedIps.map((f) => f.subnetId));
      if (body['mac_address'] !== undefined && await macTaken(svc.db, port.networkId, port.macAddress)) throw macInUse(port.networkId, port.macAddress);
    }
    throw new NeutronError(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${port.networkId}.`);
  });
}

/** Neutron updates extra DHCP options by name: a null value removes one. */
function mergeDhcpOpts(current: Port['extraDhcpOpts'], changes: Port['extraDhcpOpts']): Port['extraDhcpOpts'] {
  const key = (o: { opt_name: string; ip_version: number }): string => `${o.ip_version}/${o.opt_name}`;
  const merged = new Map(current.map((o) => [key(o), o]));
  for (const c of changes) {
    if (c.opt_value === null) merged.delete(key(c)); else merged.set(key(c), c);
  }
  return [...merged.values()];
}

export async function deletePort(svc: NetworkService, ctx: RequestContext, id: string): Promise<void> {
  const { port, network } = await visiblePort(svc, ctx, id);
  svc.authorize(ctx, 'delete_port', portTarget(port, network));
  if (L3_OWNERS.has(port.deviceOwner)) {
    throw new NeutronError(409, 'L3PortInUse', `Port ${id} cannot be deleted directly via the port API: has device owner ${port.deviceOwner}.`);
  }
  // Its floating IPs float free with it: their routers stop translating them.
  const fipRouters = (await listFloatingIps(svc.db)).filter((f) => f.fixedPortId === id).map((f) => f.routerId);
  if (!(await deletePortRow(svc.db, id))) throw portNotFound(id);
  svc.addressBook.forget(port.fixedIps.map((f) => f.subnetId));
  await announcePortChange(svc, port, undefined);
  portDeleted(svc, port);
  svc.notifier.routersChanged(fipRouters);
}
