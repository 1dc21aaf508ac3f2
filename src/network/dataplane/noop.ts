import type { HostDataplane } from './driver.js';

/**
 * A dataplane that touches nothing: ports count as plugged at once. It lets the
 * control plane (and compute with its fake driver) run on any machine without root.
 */
export class NoopDataplane implements HostDataplane {
  readonly kind = 'noop';
  async plugPort(): Promise<void> {}
  async unplugPort(): Promise<void> {}
  async updateGroups(): Promise<void> {}
  async updateTunnelPeers(): Promise<void> {}
  async syncDhcp(): Promise<void> {}
  async removeDhcp(): Promise<void> {}
  async syncRouter(): Promise<void> {}
  async removeRouter(): Promise<void> {}
  async reconcile(): Promise<void> {}
  async close(): Promise<void> {}
}
