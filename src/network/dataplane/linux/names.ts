/**
 * Names of what the Linux dataplane makes on a host. Linux interface names hold 15
 * characters. Everything a reconcile may remove carries a Stratus prefix (`st`) or, for
 * namespaces, Neutron's `qdhcp-`/`qrouter-` behind the agent's own prefix, so the agent
 * never touches a device or namespace it did not make. Port devices keep Nova's
 * `tap` + 11 characters of the port id, because the compute side opens them by that name.
 */
const IFNAME_MAX = 15;

const clip = (name: string): string => name.slice(0, IFNAME_MAX);

/** The bridge of a network on this host. */
export const bridgeName = (networkId: string): string => clip(`stbr-${networkId}`);
/** The VXLAN device of a network (by VNI: unique per host, as the VNI is per network). */
export const vxlanName = (vni: number): string => clip(`stvx-${vni}`);
/** The VLAN subinterface of a provider network on a physical interface. */
export const vlanName = (vlanId: number, networkId: string): string => clip(`stvl-${vlanId}-${networkId}`);
/** Neutron's device names: a prefix and the port id's first 11 characters. */
const portDevice = (prefix: string, portId: string): string => `${prefix}${portId.slice(0, 11)}`;
/** A port's device on the bridge: a tap for a VM (as Nova names it), the bridge end of a veth for a namespace. */
export const tapName = (portId: string): string => portDevice('tap', portId);
/** The namespace end of a DHCP port's veth (Neutron's `ns-`). */
export const dhcpInterfaceName = (portId: string): string => portDevice('ns-', portId);
/** The namespace end of a router interface port's veth (`qr-`) and of its gateway port (`qg-`). */
export const routerInterfaceName = (portId: string): string => portDevice('qr-', portId);
export const gatewayInterfaceName = (portId: string): string => portDevice('qg-', portId);

export const BRIDGE_PREFIX = 'stbr-';
export const VXLAN_PREFIX = 'stvx-';
export const VLAN_PREFIX = 'stvl-';

/** Namespaces, behind the agent's prefix (empty by default; two agents on one machine each get their own). */
export const dhcpNamespace = (prefix: string, networkId: string): string => `${prefix}qdhcp-${networkId}`;
export const routerNamespace = (prefix: string, routerId: string): string => `${prefix}qrouter-${routerId}`;

/** The nftables tables of the port filters (security groups, anti-spoofing), one pair per agent. */
export const filterTables = (prefix: string): { bridge: string; inet: string; external: string } => {
  const base = `stratus${prefix.replace(/[^a-z0-9]/gi, '_')}`;
  return { bridge: `${base}_ports`, inet: `${base}_filter`, external: `${base}_external` };
};

/**
 * The tag (interface alias) on every device an agent makes, naming the agent by its run
 * dir (unique per namespace prefix and host): what a reconcile may remove is only what
 * carries its own tag.
 */
export const ownerTag = (runDir: string): string => `stratus ${runDir.split('/').filter(Boolean).pop() ?? runDir}`;
