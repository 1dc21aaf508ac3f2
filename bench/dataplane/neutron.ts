/**
 * The few Network API calls the dataplane bench makes, as plain fetch (as the other
 * benches do), and a watcher that tells when ports go ACTIVE.
 */

/** Response bodies, read loosely as in the other benches. */
export type Json = Record<string, any>;

export interface Port {
  id: string;
  mac: string;
  ip: string;
  networkId: string;
}

const portOf = (p: Json): Port => ({ id: p.id as string, mac: p.mac_address as string, ip: p.fixed_ips[0].ip_address as string, networkId: p.network_id as string });

export class Neutron {
  constructor(private readonly base: string, private readonly token: string) {}

  async call(method: string, path: string, body?: unknown): Promise<Json> {
    const res = await fetch(`${this.base}${path}`, {
      method, headers: { 'x-auth-token': this.token, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? (JSON.parse(text) as Json) : {};
  }

  /** A network with one IPv4 subnet (DHCP on, as by default). */
  async network(name: string, cidr: string): Promise<{ id: string; subnetId: string }> {
    const net = (await this.call('POST', '/v2.0/networks', { network: { name } })).network as Json;
    const subnet = (await this.call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr, name: `${name}-subnet` } })).subnet as Json;
    return { id: net.id as string, subnetId: subnet.id as string };
  }

  /** A port, unbound unless `host` is given; in the default group unless `securityGroups` is. */
  async port(networkId: string, opts: { name?: string; host?: string; securityGroups?: string[] } = {}): Promise<Port> {
    const body: Json = { network_id: networkId, ...(opts.name ? { name: opts.name } : {}) };
    if (opts.host) body['binding:host_id'] = opts.host;
    if (opts.securityGroups) body['security_groups'] = opts.securityGroups;
    return portOf((await this.call('POST', '/v2.0/ports', { port: body })).port as Json);
  }

  async bind(portId: string, host: string): Promise<void> {
    await this.call('PUT', `/v2.0/ports/${portId}`, { port: { 'binding:host_id': host } });
  }

  async deletePort(portId: string): Promise<void> {
    await this.call('DELETE', `/v2.0/ports/${portId}`);
  }

  /** A security group with only the egress rules a new group gets. */
  async securityGroup(name: string): Promise<string> {
    return (await this.call('POST', '/v2.0/security-groups', { security_group: { name } })).security_group.id as string;
  }

  async icmpIngressRule(groupId: string): Promise<string> {
    const rule = { security_group_id: groupId, direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp' };
    return (await this.call('POST', '/v2.0/security-group-rules', { security_group_rule: rule })).security_group_rule.id as string;
  }

  async deleteRule(ruleId: string): Promise<void> {
    await this.call('DELETE', `/v2.0/security-group-rules/${ruleId}`);
  }

  /** A router with one interface on `subnetId`. */
  async routerOn(name: string, subnetId: string): Promise<string> {
    const id = (await this.call('POST', '/v2.0/routers', { router: { name } })).router.id as string;
    await this.call('PUT', `/v2.0/routers/${id}/add_router_interface`, { subnet_id: subnetId });
    return id;
  }

  async removeRouter(id: string, subnetId: string): Promise<void> {
    await this.call('PUT', `/v2.0/routers/${id}/remove_router_interface`, { subnet_id: subnetId });
    await this.call('DELETE', `/v2.0/routers/${id}`);
  }

  /** id -> status of the ports, all or those of one network (a cheap projection: no addresses). */
  async statuses(networkId?: string): Promise<Map<string, string>> {
    const q = `fields=id&fields=status${networkId ? `&network_id=${networkId}` : ''}`;
    const ports = (await this.call('GET', `/v2.0/ports?${q}`)).ports as Json[];
    return new Map(ports.map((p) => [p.id as string, p.status as string]));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Tells, for each port asked about, when it was first seen ACTIVE (performance.now()).
 * One poller for all waiters, so 50 ports waited on at once are one list request per
 * tick rather than 50: the poll itself must not become the load being measured.
 */
export class ActiveWatcher {
  private readonly waiters = new Map<string, { resolve: (t: number) => void; reject: (e: Error) => void; deadline: number }>();
  private polling = false;

  /** `tickMs` bounds the resolution of the times it gives. */
  constructor(private readonly neutron: Neutron, private readonly networkId: string, private readonly tickMs = 20) {}

  /** When the port went ACTIVE; rejects after `timeoutMs`. */
  active(portId: string, timeoutMs = 15_000): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiters.set(portId, { resolve, reject, deadline: performance.now() + timeoutMs });
      if (!this.polling) void this.poll();
    });
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      while (this.waiters.size > 0) {
        const statuses = await this.neutron.statuses(this.networkId);
        const seen = performance.now();
        for (const [id, w] of this.waiters) {
          if (statuses.get(id) === 'ACTIVE') w.resolve(seen);
          else if (seen > w.deadline) w.reject(new Error(`port ${id} not ACTIVE in time (status ${statuses.get(id) ?? 'gone'})`));
          else continue;
          this.waiters.delete(id);
        }
        await sleep(this.tickMs);
      }
    } catch (e) {
      for (const w of this.waiters.values()) w.reject(e as Error);
      this.waiters.clear();
    } finally {
      this.polling = false;
    }
  }
}
