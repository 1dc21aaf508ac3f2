import type { GroupFilter, PortWiring } from '../driver.js';
import { applyNft, chain, dropTable } from './nft.js';
import { linkLocalOf, nftAddress, nftMac, nftSet, remoteGroupSet, ruleMatch } from './firewall-rules.js';
import { filterTables } from './names.js';

/**
 * Security groups and anti-spoofing for ports on Linux bridges, as one nftables
 * ruleset per agent (Neutron's firewall drivers' semantics, OpenStack Zed).
 *
 * The kernel has no conntrack in the nft bridge family, so the work is split:
 *  - a `bridge` table sees the bridge ports. Its prerouting chain (priority -300) puts
 *    the index of the port a frame came in on in the low 16 bits of the packet mark and
 *    checks the frame's source MAC/IP against the port (anti-spoofing needs no state);
 *    its forward chain adds the index of the port the frame goes out of, shifted 16.
 *  - an `inet` table runs after br_netfilter hands bridged IPv4/IPv6 to the inet hooks,
 *    where conntrack works but iifname/oifname are the bridge. Its forward chain
 *    (priority 0) dispatches on the marks to a per-port egress chain (traffic from
 *    the VM) and a per-port ingress chain (traffic to the VM). A raw prerouting chain
 *    gives every bridge its own conntrack zone, so two networks with overlapping
 *    tenant addresses never share conntrack entries.
 * Dispatch is by verdict maps keyed by index, so the cost per packet does not grow
 * with the number of ports.
 */

/** A port on one of this host's bridges, with the index the caller gave it (unique, 1..65535). */
export interface FirewallPort {
  /** The port's device on the bridge (a tap, or the bridge end of a veth). */
  device: string;
  index: number;
  wiring: PortWiring;
}

/** A bridge of this host and the conntrack zone of its network (unique, 1..65535). */
export interface FirewallBridge {
  name: string;
  zone: number;
}

export interface FirewallInput {
  /** The agent's prefix: names the two tables (names.ts `filterTables`). */
  prefix: string;
  /** Every port plugged on this host; unfiltered ones may be listed and are left alone. */
  ports: readonly FirewallPort[];
  /** Security groups by id: every group of a filtered port and every group a rule names as remote. */
  groups: ReadonlyMap<string, GroupFilter>;
  /** Every bridge a port of `ports` is on: traffic of other bridges is never filtered. */
  bridges: readonly FirewallBridge[];
}

/**
 * Whether a port is filtered at all: not with port security off, and not Neutron's own
 * ports (DHCP servers, router interfaces and gateways, whose owner is `network:...`).
 */
export function isFiltered(wiring: PortWiring): boolean {
  return wiring.portSecurityEnabled && !wiring.deviceOwner.startsWith('network:');
}

// Interface names reach the script quoted: allow what Linux names may hold, less quotes, spaces and slashes.
const IFNAME = /^[A-Za-z0-9_.:+@-]{1,15}$/;

function checkInput(input: FirewallInput): FirewallPort[] {
  const seen = { index: new Set<number>(), device: new Set<string>(), bridge: new Set<string>(), zone: new Set<number>() };
  for (const b of input.bridges) {
    if (!IFNAME.test(b.name) || seen.bridge.has(b.name)) throw new RangeError(`firewall: bad or repeated bridge name ${JSON.stringify(b.name)}`);
    if (!Number.isInteger(b.zone) || b.zone < 1 || b.zone > 65535 || seen.zone.has(b.zone)) throw new RangeError(`firewall: bad or repeated conntrack zone ${b.zone}`);
    seen.bridge.add(b.name);
    seen.zone.add(b.zone);
  }
  // A bad port is the caller's bug; skipping it would leave it unfiltered, so it throws.
  const filtered = input.ports.filter((p) => isFiltered(p.wiring));
  for (const p of filtered) {
    if (!IFNAME.test(p.device) || seen.device.has(p.device)) throw new RangeError(`firewall: bad or repeated port device ${JSON.stringify(p.device)}`);
    if (!Number.isInteger(p.index) || p.index < 1 || p.index > 65535 || seen.index.has(p.index)) throw new RangeError(`firewall: bad or repeated port index ${p.index}`);
    seen.device.add(p.device);
    seen.index.add(p.index);
  }
  return filtered.sort((a, b) => a.index - b.index);
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const quoted = (name: string): string => `"${name}"`;
const elements = (items: string[]): string => (items.length ? ` elements = ${nftSet(items)};` : '');

/** Anti-spoofing for frames from one port: its MACs, its addresses, ARP; nothing else. */
function spoofChain(port: FirewallPort): string[] {
  const w = port.wiring;
  const own = nftMac(w.macAddress);
  const macs = [own, ...w.allowedAddressPairs.map((p) => nftMac(p.mac_address || w.macAddress))].filter((m): m is string => !!m);
  const addrs = [...w.fixedIps.map((f) => f.ipAddress), ...w.allowedAddressPairs.map((p) => p.ip_address)]
    .map(nftAddress).filter((a) => !!a);
  const v4 = addrs.filter((a) => a.version === 4).map((a) => a.text);
  const v6 = [...addrs.filter((a) => a.version === 6).map((a) => a.text), ...macs.map(linkLocalOf), '::'];
  if (!macs.length) return ['drop'];
  return [
    `ether saddr != ${nftSet(macs)} drop`,
    'ip saddr 0.0.0.0 udp sport 68 udp dport 67 return',
    ...(v4.length ? [`ip saddr ${nftSet(v4)} return`] : []),
    'ether type ip drop',
    `ip6 saddr ${nftSet(v6)} return`,
    'ether type ip6 drop',
    `arp saddr ip ${nftSet([...v4, '0.0.0.0'])} arp saddr ether ${nftSet(macs)} return`,
    // As Neutron's OVS firewall (without permitted_ethertypes): other ethertypes, VLAN tags included, stop here.
    'drop',
  ];
}


function bridgeTable(name: string, ports: FirewallPort[]): string[] {
  return [
    `table bridge ${name} {`,
    `  map port_marks { type ifname : mark;${elements(ports.map((p) => `${quoted(p.device)} : ${p.index}`))} }`,
    `  map spoof_ports { type ifname : verdict;${elements(ports.map((p) => `${quoted(p.device)} : jump spoof_${p.index}`))} }`,
    `  map out_ports { type ifname : verdict;${elements(ports.map((p) => `${quoted(p.device)} : jump out_${p.index}`))} }`,
    ...chain('port_in', [
      // A mark can ride in on a frame (a VXLAN packet keeps its outer packet's); only ours may be seen by the inet table.
      'meta mark set 0',
      'meta mark set iifname map @port_marks',
      'iifname vmap @spoof_ports',
    ], 'type filter hook prerouting priority -300; policy accept;'),
    ...chain('port_out', ['oifname vmap @out_ports'], 'type filter hook forward priority -300; policy accept;'),
    ...ports.flatMap((p) => [
      ...chain(`spoof_${p.index}`, spoofChain(p)),
      ...chain(`out_${p.index}`, [`meta mark set meta mark or ${hex(p.index << 16)}`]),
    ]),
    '}',
  ];
}

/** The groups of a port that this host knows, in the port's order, each once. */
function portGroups(port: FirewallPort, groups: ReadonlyMap<string, GroupFilter>): GroupFilter[] {
  // A group the caller did not pass contributes no rules: the port is then stricter, never looser.
  return [...new Set(port.wiring.securityGroupIds)].map((id) => groups.get(id)).filter((g): g is GroupFilter => !!g);
}

/**
 * Egress (from the VM) and ingress (to the VM) chains of one port. Egress rules end in
 * `return`, so the destination port's ingress chain still runs; ingress rules accept.
 * Stateless groups (stateful = false) are treated as stateful for now: replies pass by
 * conntrack instead of needing rules of their own, which is looser than Neutron's
 * stateless groups (those also skip conntrack); a later change can give their ports
 * `notrack` and match both directions.
 */
function portChains(port: FirewallPort, groups: ReadonlyMap<string, GroupFilter>): string[] {
  const rules = portGroups(port, groups).flatMap((g) => g.rules);
  const matches = (direction: 'ingress' | 'egress'): string[] =>
    rules.filter((r) => r.direction === direction).map(ruleMatch).filter((m): m is string => m !== undefined);
  const egress = [
    'meta nfproto ipv4 udp sport 68 udp dport 67 return',
    'meta nfproto ipv6 udp sport 546 udp dport 547 return',
    'icmpv6 type { 130, 131, 132, 133, 135, 136, 143 } return',
    // A VM is no DHCP server and no router (Neutron's iptables driver drops these too).
    'meta nfproto ipv4 udp sport 67 drop',
    'meta nfproto ipv6 udp sport 547 drop',
    'icmpv6 type 134 drop',
    ...[...new Set(matches('egress'))].map((m) => `${m} return`),
    'drop',
  ];
  const ingress = [
    'meta nfproto ipv4 udp sport 67 udp dport 68 accept',
    'meta nfproto ipv6 udp sport 547 udp dport 546 accept',
    'icmpv6 type { 130, 131, 132, 134, 135, 136, 143 } accept',
    ...[...new Set(matches('ingress'))].map((m) => `${m} accept`),
    'drop',
  ];
  return [...chain(`egress_${port.index}`, egress), ...chain(`ingress_${port.index}`, ingress)];
}

/** A set per family for every group a rule of a filtered port names as remote, holding its members. */
function remoteGroupSets(ports: FirewallPort[], groups: ReadonlyMap<string, GroupFilter>): string[] {
  const ids = new Set<string>();
  for (const p of ports) {
    for (const r of portGroups(p, groups).flatMap((g) => g.rules)) if (r.remoteGroupId !== null && r.remoteIpPrefix === null) ids.add(r.remoteGroupId);
  }
  return [...ids].sort().flatMap((id) => {
    const members = (groups.get(id)?.memberIps ?? []).map(nftAddress).filter((a) => !!a);
    return ([4, 6] as const).map((v) => {
      const type = v === 4 ? 'ipv4_addr' : 'ipv6_addr';
      // Intervals: members may include address-pair CIDRs; auto-merge takes overlaps.
      return `  set ${remoteGroupSet(id, v)} { type ${type}; flags interval; auto-merge;${elements(members.filter((a) => a.version === v).map((a) => a.text))} }`;
    });
  });
}

function inetTable(name: string, ports: FirewallPort[], input: FirewallInput): string[] {
  const bridges = [...input.bridges].sort((a, b) => a.name.localeCompare(b.name));
  const zones = nftSet(bridges.map((b) => `${quoted(b.name)} : ${b.zone}`));
  return [
    `table inet ${name} {`,
    `  set bridges { type ifname;${elements(bridges.map((b) => quoted(b.name)))} }`,
    ...remoteGroupSets(ports, input.groups),
    `  map egress_ports { type mark : verdict;${elements(ports.map((p) => `${p.index} : jump egress_${p.index}`))} }`,
    `  map ingress_ports { type mark : verdict;${elements(ports.map((p) => `${hex(p.index << 16)} : jump ingress_${p.index}`))} }`,
    ...(bridges.length ? [
      // Before conntrack (-200); the host's own packets onto a bridge get its zone too, so their replies match.
      ...chain('zone_in', [`ct zone set iifname map ${zones}`], 'type filter hook prerouting priority raw; policy accept;'),
      ...chain('zone_out', [`ct zone set oifname map ${zones}`], 'type filter hook output priority raw; policy accept;'),
    ] : []),
    ...chain('sg', [
      'meta mark 0 return',
      // Routed traffic and other bridges' frames may carry marks of their own.
      'iifname != @bridges return',
      // Conntrack tracks no neighbour discovery or MLD (ct state is invalid): the port chains judge them statelessly.
      'icmpv6 type { 130, 131, 132, 133, 134, 135, 136, 143 } goto nd',
      'ct state invalid drop',
      'ct state established,related accept',
      'meta mark & 0xffff vmap @egress_ports',
      'meta mark & 0xffff0000 vmap @ingress_ports',
    ], 'type filter hook forward priority 0; policy accept;'),
    ...chain('nd', ['meta mark & 0xffff vmap @egress_ports', 'meta mark & 0xffff0000 vmap @ingress_ports']),
    ...ports.flatMap((p) => portChains(p, input.groups)),
    '}',
  ];
}


/**
 * One nft script (for `nft -f -`) that replaces both tables of `input.prefix` in one
 * transaction: live traffic never sees half a ruleset, and conntrack entries (which
 * belong to no table) survive. The same input gives the same text, whatever the order
 * of its ports, bridges and groups. Throws RangeError on a bad or repeated device name,
 * port index, bridge or zone; addresses that do not parse are left out.
 */
export function firewallScript(input: FirewallInput): string {
  const ports = checkInput(input);
  const t = filterTables(input.prefix);
  return [
    ...dropTable('bridge', t.bridge), ...bridgeTable(t.bridge, ports),
    ...dropTable('inet', t.inet), ...inetTable(t.inet, ports, input),
    '',
  ].join('\n');
}

/** The nft script removing both tables of a prefix; applying it when they are absent is fine. */
export function removeFirewallScript(prefix: string): string {
  const t = filterTables(prefix);
  return [...dropTable('bridge', t.bridge), ...dropTable('inet', t.inet), ''].join('\n');
}

/** Applies a script of firewallScript/removeFirewallScript (in `netns` if given); throws CommandFailed. */
export async function applyFirewall(script: string, netns?: string): Promise<void> {
  await applyNft(script, netns);
}

/** Removes both tables of a prefix; idempotent. */
export async function removeFirewall(prefix: string, netns?: string): Promise<void> {
  await applyFirewall(removeFirewallScript(prefix), netns);
}
