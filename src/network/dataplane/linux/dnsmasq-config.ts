import { cidrSize, formatAddress, netmaskOf, parseCidr } from '../../../core/net/address.js';
import type { ExtraDhcpOpt } from '../../model.js';
import type { DhcpHost, DhcpNetwork, DhcpSubnet } from '../driver.js';

/**
 * What dnsmasq is told for the DHCP server of one network, after Neutron's DHCP agent
 * (neutron/agent/linux/dhcp.py, class Dnsmasq): the hosts file (who gets which
 * address), the options file (what else they are told) and the command line. Pure:
 * the process side lives in dhcp-server.ts.
 */

/** Neutron's dhcp_lease_duration default. */
export const LEASE_SECONDS = 86_400;
/** Neutron's dnsmasq_lease_max default: caps the lease table of IPv6 subnets. */
const LEASE_MAX = 2n ** 24n;
const METADATA_IP = '169.254.169.254';

export const subnetTag = (subnetId: string): string => `subnet-${subnetId}`;
export const portTag = (portId: string): string => `port-${portId}`;

/** SLAAC-only IPv6 subnets are the router's (RA) business: no range, no hosts, no options. */
const servesDhcp = (s: DhcpSubnet): boolean => s.ipVersion === 4 || s.ipv6AddressMode !== 'slaac';
/** Subnets whose addresses dnsmasq hands out (IPv4 and DHCPv6-stateful; stateless IPv6 only answers options). */
const servesAddresses = (s: DhcpSubnet): boolean => s.ipVersion === 4 || s.ipv6AddressMode === 'dhcpv6-stateful';

/** A line break in an API value would start a new dnsmasq directive: such values are never written. */
const safe = (value: string): boolean => !/[\r\n\0]/.test(value);

/** Options a port asks for that this server can send (a null value means "do not send"). */
const sendableOpts = (host: DhcpHost): Array<ExtraDhcpOpt & { opt_value: string }> =>
  host.extraDhcpOpts.filter((o): o is ExtraDhcpOpt & { opt_value: string } => o.opt_value !== null && safe(o.opt_name) && safe(o.opt_value));

/**
 * The `--dhcp-hostsfile`: one `mac,[set:port-<id>,]hostname,ip` line per address a
 * port holds in a DHCP subnet (IPv6 in brackets, only for DHCPv6-stateful subnets).
 * A port with extra options on a stateless IPv6 subnet gets a `mac,set:port-<id>` line
 * so its options still apply; those come first, because dnsmasq would otherwise take
 * the address-less line for the IPv4 request (Neutron's _sort_fixed_ips_for_dnsmasq).
 */
export function dnsmasqHosts(net: DhcpNetwork): string {
  const subnets = new Map(net.subnets.filter(servesDhcp).map((s) => [s.id, s]));
  const tagLines: string[] = [];
  const lines: string[] = [];
  for (const host of net.hosts) {
    if (!safe(host.macAddress) || !safe(host.hostname)) continue;
    const tag = sendableOpts(host).length > 0 ? `set:${portTag(host.portId)},` : '';
    for (const ip of host.fixedIps) {
      const subnet = subnets.get(ip.subnetId);
      if (!subnet) continue;
      if (!servesAddresses(subnet)) {
        if (tag) tagLines.push(`${host.macAddress},${tag.slice(0, -1)}`);
        continue;
      }
      const address = subnet.ipVersion === 6 ? `[${ip.ipAddress}]` : ip.ipAddress;
      lines.push(`${host.macAddress},${tag}${host.hostname},${address}`);
    }
  }
  return [...new Set(tagLines), ...lines].map((l) => `${l}\n`).join('');
}

/** An option line as dnsmasq reads it: `tag:<tag>,option:<name>,<value>`; numeric names stay bare (`249`) for IPv4. */
function option(ipVersion: 4 | 6, tag: string, name: string, value?: string): string {
  const opt = ipVersion === 6 ? `option6:${name}` : /^\d+$/.test(name) ? name : `option:${name}`;
  return [`tag:${tag}`, opt, ...(value === undefined ? [] : [value])].join(',');
}

function subnetOpts(net: DhcpNetwork, subnet: DhcpSubnet, serverIp: string | undefined): string[] {
  const tag = subnetTag(subnet.id);
  const out: string[] = [];
  if (subnet.dnsNameservers.length > 0) {
    const servers = subnet.ipVersion === 6 ? subnet.dnsNameservers.map((a) => `[${a}]`) : subnet.dnsNameservers;
    out.push(option(subnet.ipVersion, tag, 'dns-server', servers.join(',')));
  }
  if (subnet.ipVersion === 6) return out; // routes and the MTU come with the router's RA
  // A 0.0.0.0/0 host route stands in for a missing gateway; with a gateway it is the gateway.
  let gateway = subnet.gatewayIp;
  const routes: string[] = [];
  for (const r of subnet.hostRoutes) {
    if (r.destination === '0.0.0.0/0') gateway ??= r.nexthop;
    else routes.push(`${r.destination},${r.nexthop}`);
  }
  // force_metadata: every subnet reaches metadata through this server's own address.
  if (serverIp) routes.push(`${METADATA_IP}/32,${serverIp}`);
  // The other IPv4 subnets of the network are on-link.
  for (const other of net.subnets) {
    if (other.ipVersion === 4 && other.id !== subnet.id && other.cidr !== subnet.cidr) routes.push(`${other.cidr},0.0.0.0`);
  }
  if (routes.length > 0) {
    // A client that takes option 121 ignores option 3, so the default route goes in too.
    if (gateway) routes.push(`0.0.0.0/0,${gateway}`);
    out.push(option(4, tag, 'classless-static-route', routes.join(',')));
    out.push(option(4, tag, '249', routes.join(',')));
  }
  // Without a value dnsmasq sends no router at all; left out, it would offer itself.
  out.push(option(4, tag, 'router', gateway ?? undefined));
  return out;
}

/**
 * The `--dhcp-optsfile`: per DHCP subnet (tag `subnet-<id>`) the router, DNS servers,
 * classless static routes (121 and Microsoft's 249: host routes, metadata via the
 * server's address on that subnet, the default route); then each port's extra
 * DHCP options under its tag `port-<id>`. `serverIps` maps a subnet id to this DHCP
 * server's address on it.
 */
export function dnsmasqOpts(net: DhcpNetwork, serverIps: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  for (const subnet of net.subnets) {
    if (servesDhcp(subnet)) lines.push(...subnetOpts(net, subnet, serverIps.get(subnet.id)));
  }
  for (const host of net.hosts) {
    for (const opt of sendableOpts(host)) lines.push(option(opt.ip_version, portTag(host.portId), opt.opt_name, opt.opt_value));
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** Files of one network's server, all in its state directory. */
export const dnsmasqFiles = (dir: string): { hosts: string; opts: string; leases: string; pid: string; log: string } => ({
  hosts: `${dir}/hosts`,
  opts: `${dir}/opts`,
  leases: `${dir}/leases`,
  pid: `${dir}/pid`,
  log: `${dir}/log`,
});

/** `--dhcp-range`s: static only (dnsmasq answers hosts of the hosts file and nobody else), none for SLAAC. */
function ranges(net: DhcpNetwork): { args: string[]; size: bigint } {
  const args: string[] = [];
  let size = 0n;
  for (const subnet of net.subnets) {
    if (!servesDhcp(subnet)) continue;
    const cidr = parseCidr(subnet.cidr);
    if (!cidr || cidr.version !== subnet.ipVersion) continue;
    const network = formatAddress(cidr.version, cidr.network);
    // Stateless DHCPv6 is a static range too: dnsmasq then answers information requests with options only.
    const width = cidr.version === 4 ? netmaskOf(cidr) : String(cidr.prefixlen);
    args.push(`--dhcp-range=set:${subnetTag(subnet.id)},${network},static,${width},${LEASE_SECONDS}s`);
    size += cidrSize(cidr);
  }
  return { args, size };
}

/**
 * dnsmasq's argv (without the program name) for one network: DHCP only (`--port=0`),
 * bound to the server's interface in the network's namespace, static ranges, files in
 * `dir`. dnsmasq daemonizes and writes `dir/pid`; `--pid-file` naming `dir` is also how
 * a process is recognised as this network's server. An empty result means nothing to
 * serve (no IPv4 or DHCPv6 subnet): no server should run.
 */
export function dnsmasqArgs(p: { interfaceName: string; net: DhcpNetwork; dir: string }): string[] {
  const { args: rangeArgs, size } = ranges(p.net);
  if (rangeArgs.length === 0) return [];
  const files = dnsmasqFiles(p.dir);
  return [
    '--no-hosts',
    '--no-resolv',
    '--port=0',
    `--interface=${p.interfaceName}`,
    '--except-interface=lo',
    '--bind-interfaces',
    ...rangeArgs,
    `--dhcp-hostsfile=${files.hosts}`,
    `--dhcp-optsfile=${files.opts}`,
    `--dhcp-leasefile=${files.leases}`,
    `--pid-file=${files.pid}`,
    // NAK what it does not know rather than stay silent, so clients fall back to DISCOVER at once.
    '--dhcp-authoritative',
    // Forced, as Neutron does: sent even to clients that do not ask (udhcpc, hence CirrOS, does not).
    // Only the command line can force an option, so an MTU change restarts the server.
    ...(p.net.mtu > 0 ? [`--dhcp-option-force=option:mtu,${p.net.mtu}`] : []),
    `--dhcp-lease-max=${size < LEASE_MAX ? size : LEASE_MAX}`,
    '--conf-file=/dev/null',
    `--log-facility=${files.log}`,
  ];
}
