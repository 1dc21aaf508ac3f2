import { hostname } from 'node:os';
import type { MessageBus } from '../core/bus/index.js';
import type { Logger } from '../core/log.js';
import { ComputeAgent, type AgentClients } from '../compute/manager/compute-agent.js';
import { ConductorApi } from '../compute/manager/conductor-api.js';
import { NetworkAgent, type NetworkAgentOptions } from '../network/agent/network-agent.js';
import type { HostDataplane } from '../network/dataplane/driver.js';
import type { AllInOneConfig } from './options.js';
import { virtDriverFor, type HostPlace } from './virt-drivers.js';

type Closer = () => Promise<void>;

/**
 * The compute hosts of the all-in-one: one on [DEFAULT] host, or `[compute] fake_hosts`
 * fake hosts (fake-host-1..N), each with its compute agent on the fake driver and, for
 * the extra hosts, its own network agent so ports bind to it. Returns their closers.
 */
export const fakeHostNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `fake-host-${i + 1}`);

export interface HostNetworking {
  /** The main host already runs a network agent (the all-in-one's); other hosts get their own. */
  networkAgentOnMainHost: boolean;
  /** The dataplane of another host's network agent. */
  dataplaneFor: (host: string) => { dataplane: HostDataplane; agent: Pick<NetworkAgentOptions, 'dhcp' | 'l3' | 'tunnelingIp'> };
  /** Where a fake host stands on the underlay (its namespace and address), when the dataplane gives fake hosts one. */
  placeOf?: (host: string) => HostPlace | undefined;
}

export async function startComputeHosts(bus: MessageBus, config: AllInOneConfig, dataDir: string, clients: AgentClients, log: Logger, networking: HostNetworking): Promise<Closer[]> {
  const closers: Closer[] = [];
  const mainHost = config.DEFAULT.host ?? hostname();
  const hosts = config.compute.fake_hosts > 0 ? fakeHostNames(config.compute.fake_hosts) : [mainHost];
  if (config.compute.compute_driver === 'qemu' && config.compute.fake_hosts > 0 && !networking.placeOf?.(hosts[0]!)) {
    // Without an underlay a fake host has no namespace of its own for its taps and guests.
    throw new Error('[compute] compute_driver = qemu with fake_hosts needs [network] dataplane = linux and fake_host_underlay');
  }
  try {
    for (const host of hosts) {
      if (host !== mainHost || !networking.networkAgentOnMainHost) {
        const { dataplane, agent: roles } = networking.dataplaneFor(host);
        const net = new NetworkAgent(bus, dataplane, { host, availabilityZone: config.DEFAULT.default_availability_zone, reportInterval: config.network.report_interval, ...roles }, log);
        await net.start();
        closers.push(() => net.stop());
      }
      const place = host === mainHost ? undefined : networking.placeOf?.(host);
      const driver = await virtDriverFor(host, config, dataDir, { image: clients.image, conductor: new ConductorApi(bus, host), log, ...(place ? { place } : {}) });
      const agent = new ComputeAgent(bus, driver, clients, { host, reportInterval: config.compute.report_interval, vifPluggingTimeout: config.compute.vif_plugging_timeout, syncPowerStateInterval: config.compute.sync_power_state_interval }, log);
      await agent.start();
      closers.push(() => agent.stop());
    }
    return closers;
  } catch (e) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw e;
  }
}
