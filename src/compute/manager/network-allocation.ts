import { RemoteApiError } from '../../core/http/index.js';
import type { NetworkClient, NetworkInfo, PortInfo } from '../../network/contract/client.js';
import type { VifCacheEntry } from '../domain/instance-model.js';
import { tapName, type VifInfo } from '../virt/driver.js';

/** A build problem that another host would not solve (bad network, missing group). */
export class BuildRequestError extends Error {}

export interface PortRequest {
  projectId: string;
  instanceUuid: string;
  host: string;
  availabilityZone: string | null;
  securityGroups: string[];
  requestedNetworks: unknown;
}

export interface AllocatedNetwork {
  vifs: VifInfo[];
  cache: VifCacheEntry[];
  /**
   * Names of the security groups the network service put on the ports (each once), or
   * undefined when there are no ports. Nova shows a server's groups from its ports, so a
   * port on a network without port security shows none, whatever was requested.
   */
  portGroups?: string[];
}

/**
 * Creates (or binds the user's) ports for an instance on `host` with its security
 * groups, as Nova's allocate_for_instance does, and returns what the driver plugs and
 * what the API shows. On failure every port it touched is given back before it throws.
 */
export async function allocateNetwork(net: NetworkClient, req: PortRequest): Promise<AllocatedNetwork> {
  const wanted = req.requestedNetworks;
  if (wanted === 'none') return { vifs: [], cache: [] };
  let entries: Array<{ uuid?: string; port?: string; fixed_ip?: string }>;
  if (wanted === 'auto' || wanted === undefined || wanted === null) {
    const networks = await net.autoNetworks(req.projectId);
    if (networks.length === 0) return { vifs: [], cache: [] };
    if (networks.length > 1) throw new BuildRequestError('Multiple possible networks found, use a Network ID to be more specific.');
    entries = [{ uuid: networks[0]!.id }];
  } else entries = wanted as Array<{ uuid?: string; port?: string; fixed_ip?: string }>;

  const groupIds = await securityGroupIds(net, req.projectId, req.securityGroups);
  const touched: Array<{ port: PortInfo; preexisting: boolean }> = [];
  const binding = { device_id: req.instanceUuid, device_owner: `compute:${req.availabilityZone ?? 'nova'}`, 'binding:host_id': req.host };
  try {
    for (const e of entries) {
      if (e.port) {
        touched.push({ port: await net.updatePort(e.port, binding), preexisting: true });
      } else if (e.uuid) {
        const body: Record<string, unknown> = { network_id: e.uuid, tenant_id: req.projectId, ...binding };
        if (groupIds.length > 0) body.security_groups = groupIds;
        if (e.fixed_ip) body.fixed_ips = [{ ip_address: e.fixed_ip }];
        touched.push({ port: await net.createPort(body), preexisting: false });
      }
    }
    const names = new Map<string, NetworkInfo>();
    const cache: VifCacheEntry[] = [];
    const vifs: VifInfo[] = [];
    for (const { port, preexisting } of touched) {
      if (!names.has(port.network_id)) names.set(port.network_id, await net.network(port.network_id));
      const network = names.get(port.network_id)!;
      cache.push({
        portId: port.id, networkId: port.network_id, networkName: network.name, macAddress: port.mac_address, mtu: network.mtu, preexisting,
        ips: port.fixed_ips.map((ip) => ({ address: ip.ip_address, version: ip.ip_address.includes(':') ? 6 : 4, type: 'fixed' as const })),
      });
      vifs.push({ portId: port.id, macAddress: port.mac_address, networkId: port.network_id, devname: tapName(port.id), mtu: network.mtu, fixedIps: port.fixed_ips.map((i) => i.ip_address) });
    }
    return { vifs, cache, ...(touched.length > 0 ? { portGroups: await groupNames(net, touched.map((t) => t.port)) } : {}) };
  } catch (e) {
    await releasePorts(net, touched.map((t) => ({ portId: t.port.id, preexisting: t.preexisting })));
    if (e instanceof RemoteApiError && e.status < 500) throw new BuildRequestError(`Failed to allocate the network(s): ${networkMessage(e)}`, { cause: e });
    throw e;
  }
}

function networkMessage(e: RemoteApiError): string {
  const body = e.body as { NeutronError?: { message?: string } } | undefined;
  return body?.NeutronError?.message ?? e.message;
}

/** The names of the groups on `ports`, each once, in the order the ports name them. */
async function groupNames(net: NetworkClient, ports: PortInfo[]): Promise<string[]> {
  const ids = [...new Set(ports.flatMap((p) => p.security_groups ?? []))];
  if (ids.length === 0) return [];
  const byId = new Map((await net.securityGroups({ id: ids })).map((g) => [g.id, g.name]));
  return [...new Set(ids.map((id) => byId.get(id)).filter((n): n is string => n !== undefined))];
}

async function securityGroupIds(net: NetworkClient, projectId: string, names: string[]): Promise<string[]> {
  // Only the default group: leave it to the network service, which gives a port its
  // project's default group (creating it on first use) when none is named.
  if (names.length === 0 || (names.length === 1 && names[0] === 'default')) return [];
  const groups = await net.securityGroups({ tenant_id: projectId });
  return names.map((name) => {
    const found = groups.find((g) => g.id === name) ?? groups.find((g) => g.name === name);
    if (!found) throw new BuildRequestError(`Security group ${name} not found.`);
    return found.id;
  });
}

/**
 * Gives ports back: the ones Nova created are deleted, the user's are unbound so they
 * can be used again. Ports already gone are fine; other failures are reported.
 */
export async function releasePorts(net: NetworkClient, ports: Array<{ portId: string; preexisting: boolean }>): Promise<void> {
  for (const p of ports) {
    try {
      if (p.preexisting) await net.updatePort(p.portId, { device_id: '', device_owner: '', 'binding:host_id': '' });
      else await net.deletePort(p.portId);
    } catch (e) {
      if (!(e instanceof RemoteApiError && e.status === 404)) throw e;
    }
  }
}
