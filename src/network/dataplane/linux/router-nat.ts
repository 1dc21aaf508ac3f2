import type { RouterWiring } from '../driver.js';
import { chain, dropTable } from './nft.js';
import { gatewayInterfaceName, routerInterfaceName } from './names.js';

/** The router namespace's own table (one per namespace, so one per router). */
export const ROUTER_TABLE = 'stratus_router';
/** Where the metadata proxy of a router namespace listens (Neutron's 9697); 169.254.169.254:80 is redirected here. */
export const ROUTER_METADATA_PORT = 9697;

const isV4 = (ip: string): boolean => !ip.includes(':');

/**
 * A router's address translation, as Neutron's L3 agent sets it up in iptables: each
 * floating IP is a 1:1 DNAT on the way in and SNAT on the way out of the gateway;
 * with enable_snat the rest of the tenant subnets leave as the gateway's address;
 * metadata requests from the interfaces go to the local proxy. IPv4 only (Neutron
 * routes IPv6 without NAT). One script replaces the table atomically.
 */
export function routerNatScript(router: RouterWiring): string {
  const qg = router.gateway ? gatewayInterfaceName(router.gateway.port.portId) : null;
  const gatewayIp = router.gateway?.port.fixedIps.map((f) => f.ipAddress).find(isV4);
  const internal = router.interfaces.flatMap((i) => i.subnets.map((s) => s.cidr)).filter(isV4);
  const qrs = router.interfaces.map((i) => `"${routerInterfaceName(i.port.portId)}"`);
  const fips = router.floatingIps.filter((f) => isV4(f.floatingIp) && isV4(f.fixedIp));
  const pre = [
    ...(qrs.length ? [`iifname { ${qrs.join(', ')} } ip daddr 169.254.169.254 tcp dport 80 redirect to :${ROUTER_METADATA_PORT}`] : []),
    ...(qg ? fips.map((f) => `ip daddr ${f.floatingIp} dnat to ${f.fixedIp}`) : []),
  ];
  const post = qg ? [
    ...fips.map((f) => `oifname "${qg}" ip saddr ${f.fixedIp} snat to ${f.floatingIp}`),
    ...(router.enableSnat && gatewayIp && internal.length ? [`oifname "${qg}" ip saddr { ${internal.join(', ')} } snat to ${gatewayIp}`] : []),
  ] : [];
  return [
    ...dropTable('ip', ROUTER_TABLE),
    `table ip ${ROUTER_TABLE} {`,
    ...chain('prerouting', pre, 'type nat hook prerouting priority dstnat; policy accept;'),
    // Floating IPs also answer the router's own traffic (and the host's via the gateway).
    ...chain('output', qg ? fips.map((f) => `ip daddr ${f.floatingIp} dnat to ${f.fixedIp}`) : [], 'type nat hook output priority -100; policy accept;'),
    ...chain('postrouting', post, 'type nat hook postrouting priority srcnat; policy accept;'),
    '}',
    '',
  ].join('\n');
}
