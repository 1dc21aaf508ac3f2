import type { HostDataplane, PortWiring } from './driver.js';

/**
 * A dataplane that touches nothing: ports count as plugged at once. It lets the
 * control plane (and compute with its fake driver) run on any machine without root.
 */
export class NoopDataplane implements HostDataplane {
  readonly kind = 'noop';
  async plugPorts(ports: PortWiring[]): Promise<string[]> {
    return ports.map((p) => p.portId);
  }

  async unplugPorts(): Promise<void> {}
  async updateGroups(): Promise<void> {}
  async updateTunnelPeers(): Promise<void> {}
  async syncDhcpServers(): Promise<void> {}
  async removeDhcp(): Promise<void> {}
  async syncRouters(): Promise<void> {}
  async removeRouter(): Promise<void> {}
  async reconcile(): Promise<void> {}
  async close(): Promise<void> {}
}
