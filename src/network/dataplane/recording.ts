import type { DhcpServer, GroupFilter, HostDataplane, HostState, PortWiring, RouterWiring } from './driver.js';

export type DataplaneCall =
  | { op: 'plug'; port: PortWiring; groups: GroupFilter[] }
  | { op: 'unplug'; portId: string; networkId: string }
  | { op: 'groups'; groups: GroupFilter[] }
  | { op: 'tunnels'; peers: string[] }
  | { op: 'dhcp'; server: DhcpServer }
  | { op: 'dhcp-remove'; networkId: string }
  | { op: 'router'; router: RouterWiring }
  | { op: 'router-remove'; routerId: string }
  | { op: 'reconcile'; state: HostState; dhcp: DhcpServer[] };

/**
 * A test dataplane: records every call in order, keeps the ports it holds, and can be
 * told to fail the next plug (to exercise the service's error paths).
 */
export class RecordingDataplane implements HostDataplane {
  readonly kind = 'recording';
  readonly calls: DataplaneCall[] = [];
  readonly plugged = new Map<string, PortWiring>();
  failNextPlug: Error | null = null;

  async plugPorts(ports: PortWiring[], groups: GroupFilter[]): Promise<string[]> {
    for (const port of ports) {
      this.calls.push({ op: 'plug', port, groups });
      if (this.failNextPlug) {
        const e = this.failNextPlug;
        this.failNextPlug = null;
        throw e;
      }
      this.plugged.set(port.portId, port);
    }
    return ports.map((p) => p.portId);
  }

  async unplugPorts(ports: Array<{ portId: string; networkId: string }>): Promise<void> {
    for (const { portId, networkId } of ports) {
      this.calls.push({ op: 'unplug', portId, networkId });
      this.plugged.delete(portId);
    }
  }

  async updateGroups(groups: GroupFilter[]): Promise<void> {
    this.calls.push({ op: 'groups', groups });
  }

  async updateTunnelPeers(peers: string[]): Promise<void> {
    this.calls.push({ op: 'tunnels', peers });
  }

  async syncDhcpServers(servers: DhcpServer[]): Promise<void> {
    for (const server of servers) this.calls.push({ op: 'dhcp', server });
  }

  async removeDhcp(networkId: string): Promise<void> {
    this.calls.push({ op: 'dhcp-remove', networkId });
  }

  async syncRouters(routers: RouterWiring[]): Promise<void> {
    for (const router of routers) this.calls.push({ op: 'router', router });
  }

  async removeRouter(routerId: string): Promise<void> {
    this.calls.push({ op: 'router-remove', routerId });
  }

  async reconcile(state: HostState, dhcp: DhcpServer[]): Promise<void> {
    this.calls.push({ op: 'reconcile', state, dhcp });
    this.plugged.clear();
    for (const p of state.ports) this.plugged.set(p.portId, p);
  }

  async close(): Promise<void> {}
}
