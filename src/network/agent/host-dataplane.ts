import { join } from 'node:path';
import type { Logger } from '../../core/log.js';
import type { HostDataplane } from '../dataplane/driver.js';
import { LinuxDataplane } from '../dataplane/linux/linux-dataplane.js';
import { NoopDataplane } from '../dataplane/noop.js';
import type { NetworkConfig } from '../options.js';
import type { NetworkAgentOptions } from './network-agent.js';

/** `physnet:interface` pairs of [linux_bridge] physical_interface_mappings. */
function physicalInterfaces(pairs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of pairs) {
    const [physnet, iface, ...rest] = pair.split(':').map((x) => x.trim());
    if (!physnet || !iface || rest.length > 0) throw new Error(`invalid value for option [linux_bridge] physical_interface_mappings: "${pair}" is not physnet:interface`);
    out.set(physnet, iface);
  }
  return out;
}

/** Where an agent's DHCP servers and metadata proxies keep their files (see LinuxDataplaneOptions.runDir). */
export const agentRunDir = (prefix: string, host: string): string => join('/run/stratus', `${prefix}network-agent-${host}`);

/** The metadata agent's socket, which the agent's metadata proxies forward to. */
export const metadataSocketOf = (prefix: string, host: string): string => join(agentRunDir(prefix, host), 'metadata.sock');

/**
 * Where a host's dataplane lives when it is not the machine itself: a fake host of the
 * all-in-one, a namespace with its own VXLAN endpoint, running neither DHCP servers
 * nor routers (the main host does).
 */
export interface FakeHostPlace {
  hostNamespace: string;
  tunnelingIp: string;
}

/**
 * The dataplane and agent options of a host's network agent from the configuration:
 * [network] dataplane picks noop or linux; the linux one keeps its files under the
 * data dir, per host. `tunnelingIp` overrides [vxlan] local_ip (the all-in-one's
 * main host on a fake-host underlay).
 */
export function hostDataplane(
  config: NetworkConfig, dataDir: string, host: string, log: Logger,
  opts: { metadataSocket?: string; tunnelingIp?: string; fakeHost?: FakeHostPlace } = {},
): { dataplane: HostDataplane; agent: Pick<NetworkAgentOptions, 'dhcp' | 'l3' | 'tunnelingIp'> } {
  if (config.network.dataplane === 'noop') return { dataplane: new NoopDataplane(), agent: {} };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('[network] dataplane = linux needs root (it makes bridges, namespaces and nftables rules); run as root or use dataplane = noop');
  }
  const tunnelingIp = opts.fakeHost?.tunnelingIp ?? opts.tunnelingIp ?? config.vxlan.local_ip ?? undefined;
  // A fake host's names carry its own prefix: its reconcile must never take the main host's namespaces for its own.
  const prefix = opts.fakeHost ? `${config.network.namespace_prefix}${host}-` : config.network.namespace_prefix;
  const dataplane = new LinuxDataplane({
    stateDir: join(dataDir, 'network-agent', host), runDir: agentRunDir(config.network.namespace_prefix, host), namespacePrefix: prefix,
    physicalInterfaces: physicalInterfaces(config.linux_bridge.physical_interface_mappings), log,
    ...(opts.metadataSocket && !opts.fakeHost ? { metadataSocket: opts.metadataSocket } : {}),
    ...(tunnelingIp ? { tunnelingIp } : {}),
    ...(opts.fakeHost ? { hostNamespace: opts.fakeHost.hostNamespace } : {}),
  });
  const roles = opts.fakeHost ? { dhcp: false, l3: false } : { dhcp: config.network.dhcp_agent, l3: config.network.l3_agent };
  return { dataplane, agent: { ...roles, ...(tunnelingIp ? { tunnelingIp } : {}) } };
}
