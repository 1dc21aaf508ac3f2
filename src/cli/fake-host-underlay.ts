import type { Logger } from '../core/log.js';
import { formatAddress, lastAddress, parseCidr } from '../core/net/address.js';
import { CommandFailed, runCommand } from '../network/dataplane/linux/exec.js';
import { fakeHostNames } from './compute-hosts.js';
import type { AllInOneConfig } from './options.js';

/**
 * The "physical" network between the all-in-one's fake hosts when they run the linux
 * dataplane ([network] fake_host_underlay): each fake host is a network namespace
 * standing in for a machine, with its VXLAN endpoint on a veth into one underlay
 * bridge, whose host side holds the main host's endpoint (the first address). So VXLAN
 * tenant networks really cross "hosts" on one machine, as Neutron's fullstack tests do.
 * Everything here is made at start and removed at stop, by name.
 */
export interface FakeHostUnderlay {
  /** The main host's VXLAN endpoint. */
  mainVtep: string;
  /** Per fake host: the namespace standing in for it and its VXLAN endpoint. */
  hosts: Map<string, { namespace: string; vtep: string }>;
  remove(): Promise<void>;
}

const bridgeOf = (prefix: string): string => `stul-${prefix}`.slice(0, 15);
const vethOf = (prefix: string, i: number): string => `stul${i}-${prefix}`.slice(0, 15);
export const fakeHostNamespace = (prefix: string, host: string): string => `${prefix}${host}`;

export async function createFakeHostUnderlay(cidrText: string, prefix: string, hosts: string[], log: Logger): Promise<FakeHostUnderlay> {
  const cidr = parseCidr(cidrText);
  if (!cidr || cidr.version !== 4 || lastAddress(cidr) - cidr.network < BigInt(hosts.length + 2)) {
    throw new Error(`invalid value for option [network] fake_host_underlay: "${cidrText}" is not an IPv4 network with room for ${hosts.length + 1} hosts`);
  }
  const address = (i: number): string => formatAddress(4, cidr.network + BigInt(i));
  const bridge = bridgeOf(prefix);
  const made: Array<() => Promise<unknown>> = [];
  const underlay: FakeHostUnderlay = {
    mainVtep: address(1),
    hosts: new Map(),
    async remove() {
      for (const undo of made.reverse()) await undo().catch((err: unknown) => log.warn({ err }, 'fake host underlay: cleanup step failed'));
      made.length = 0;
    },
  };
  // After a crash (kill -9) it is all still there, fake hosts' guests included: it is kept, not made again.
  const ip = (args: string[]): Promise<unknown> => runCommand('ip', args).catch((e: unknown) => {
    if (e instanceof CommandFailed && /File exists|already assigned/.test(e.stderr)) return undefined;
    throw e;
  });
  try {
    await ip(['link', 'add', 'name', bridge, 'type', 'bridge']);
    made.push(() => runCommand('ip', ['link', 'del', 'dev', bridge]));
    await ip(['addr', 'add', `${address(1)}/${cidr.prefixlen}`, 'dev', bridge]);
    await runCommand('ip', ['link', 'set', 'dev', bridge, 'up']);
    for (const [i, host] of hosts.entries()) {
      const ns = fakeHostNamespace(prefix, host);
      const veth = vethOf(prefix, i + 1);
      await ip(['netns', 'add', ns]);
      made.push(() => runCommand('ip', ['netns', 'del', ns]));
      await ip(['link', 'add', 'name', veth, 'type', 'veth', 'peer', 'name', 'underlay', 'netns', ns]);
      await runCommand('ip', ['link', 'set', 'dev', veth, 'master', bridge, 'up']);
      await ip(['-n', ns, 'addr', 'add', `${address(i + 2)}/${cidr.prefixlen}`, 'dev', 'underlay']);
      await runCommand('ip', ['-n', ns, 'link', 'set', 'dev', 'underlay', 'up']);
      await runCommand('ip', ['-n', ns, 'link', 'set', 'dev', 'lo', 'up']);
      underlay.hosts.set(host, { namespace: ns, vtep: address(i + 2) });
    }
    return underlay;
  } catch (e) {
    await underlay.remove();
    throw e;
  }
}

/** The underlay of the configuration's fake hosts ([network] fake_host_underlay is then required). */
export function fakeHostUnderlay(config: AllInOneConfig, log: Logger): Promise<FakeHostUnderlay> {
  const cidr = config.network.fake_host_underlay;
  if (!cidr) throw new Error('[compute] fake_hosts with [network] dataplane = linux needs [network] fake_host_underlay (an IPv4 network for the fake hosts\' VXLAN endpoints)');
  return createFakeHostUnderlay(cidr, config.network.namespace_prefix, fakeHostNames(config.compute.fake_hosts), log);
}
