import type { RouterWiring } from '../driver.js';
import { runCommand } from './exec.js';
import { gatewayInterfaceName } from './names.js';
import { routesOf } from './namespaces.js';

const isV4 = (ip: string): boolean => !ip.includes(':');

/**
 * A router namespace's routes: the default route out of the gateway (via the external
 * subnet's gateway) and the router's static routes, tagged `proto static` so the ones
 * no longer wanted can be found and removed. Connected routes come with the addresses.
 */
export async function setRouterRoutes(netns: string, router: RouterWiring): Promise<void> {
  const ip = (args: string[]): Promise<string> => runCommand('ip', ['-n', netns, ...args]);
  const gw = router.gateway;
  const nexthop = gw?.subnets.map((s) => s.gatewayIp).find((g): g is string => g !== null && isV4(g));
  if (gw && nexthop) await ip(['route', 'replace', 'default', 'via', nexthop, 'dev', gatewayInterfaceName(gw.port.portId)]);
  else await ip(['route', 'del', 'default']).catch(() => undefined);
  const wanted = new Map(router.routes.map((r) => [r.destination, r.nexthop]));
  for (const [destination, hop] of wanted) {
    await ip(['route', 'replace', destination, 'via', hop, 'proto', 'static']).catch(() => undefined);
  }
  for (const r of await routesOf(netns, 'static')) {
    const dst = r.dst === 'default' ? '0.0.0.0/0' : r.dst.includes('/') ? r.dst : `${r.dst}/${isV4(r.dst) ? 32 : 128}`;
    if (wanted.get(dst) !== r.gateway) await ip(['route', 'del', r.dst, ...(r.gateway ? ['via', r.gateway] : []), 'proto', 'static']).catch(() => undefined);
  }
}
