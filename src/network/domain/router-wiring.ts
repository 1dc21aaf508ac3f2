import { listFloatingIps } from '../db/floating-ips.js';
import { getNetwork } from '../db/networks.js';
import { getPort } from '../db/ports.js';
import { getRouter, listRouters } from '../db/routers.js';
import { getSubnet } from '../db/subnets.js';
import type { RouterPort, RouterWiring } from '../dataplane/driver.js';
import type { Network, Port, Router } from '../model.js';
import type { NetworkService } from '../service.js';
import { interfacePorts } from './routers.js';
import { portWiring } from './wiring.js';

/** What the hosts running routers need of them (Neutron's L3 agent sync_routers). */

async function routerPort(svc: NetworkService, port: Port, networks: Map<string, Network | undefined>): Promise<RouterPort | null> {
  if (!networks.has(port.networkId)) networks.set(port.networkId, await getNetwork(svc.db, port.networkId));
  const network = networks.get(port.networkId);
  if (!network) return null;
  const subnets = [];
  for (const f of port.fixedIps) {
    const s = await getSubnet(svc.db, f.subnetId);
    if (s) subnets.push({ id: s.id, cidr: s.cidr, gatewayIp: s.gatewayIp, ipv6RaMode: s.ipv6RaMode, ipv6AddressMode: s.ipv6AddressMode });
  }
  return { port: portWiring(port, network), subnets };
}

async function routerWiring(svc: NetworkService, router: Router, networks: Map<string, Network | undefined>): Promise<RouterWiring> {
  const gwPort = router.gwPortId ? await getPort(svc.db, router.gwPortId) : undefined;
  const interfaces: RouterPort[] = [];
  for (const p of await interfacePorts(svc, router.id)) {
    const rp = await routerPort(svc, p, networks);
    if (rp) interfaces.push(rp);
  }
  const floatingIps = (await listFloatingIps(svc.db))
    .filter((f) => f.routerId === router.id && f.fixedIpAddress !== null)
    .map((f) => ({ floatingIp: f.floatingIpAddress, fixedIp: f.fixedIpAddress! }));
  return {
    routerId: router.id, enableSnat: router.enableSnat, routes: router.routes, interfaces, floatingIps,
    gateway: gwPort ? await routerPort(svc, gwPort, networks) : null,
  };
}

/**
 * The routers to run: every router that is up. `ids` limits it to some (a router
 * missing from the answer is gone or down, and its hosts remove it).
 */
export async function routerWirings(svc: NetworkService, ids?: readonly string[]): Promise<RouterWiring[]> {
  const routers = ids ? (await Promise.all([...new Set(ids)].map((id) => getRouter(svc.db, id)))).filter((r): r is Router => r !== undefined) : await listRouters(svc.db);
  const networks = new Map<string, Network | undefined>();
  const out: RouterWiring[] = [];
  for (const r of routers) if (r.adminStateUp) out.push(await routerWiring(svc, r, networks));
  return out;
}
