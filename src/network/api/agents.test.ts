import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupFilter } from '../dataplane/driver.js';
import { AGENT_HOST, type Caller, callerFor, networkFixture, type NetworkFixture } from '../test-support.js';

let f: NetworkFixture;
beforeAll(async () => { f = await networkFixture(); });
afterAll(async () => { await f.close(); });

const call = callerFor(() => f);

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not reached');
}

describe('agents and the dataplane interface', () => {
  it('lists the agent with its heartbeat, and lets admins describe or disable it', async () => {
    expect((await call('demo', 'GET', '/v2.0/agents')).json().agents).toEqual([]);
    const agents = (await call('admin', 'GET', '/v2.0/agents')).json().agents;
    expect(agents).toHaveLength(1);
    expect(agents[0]).toMatchObject({ host: AGENT_HOST, alive: true, admin_state_up: true, agent_type: 'Linux bridge agent', availability_zone: 'nova',
      configurations: { dataplane: 'recording' } });
    expect(agents[0].heartbeat_timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const updated = await call('admin', 'PUT', `/v2.0/agents/${agents[0].id}`, { agent: { description: 'rack 1' } });
    expect(updated.json().agent.description).toBe('rack 1');
    expect((await call('demo', 'GET', '/v2.0/availability_zones')).json().availability_zones)
      .toEqual([{ name: 'nova', resource: 'network', state: 'available' }, { name: 'nova', resource: 'router', state: 'available' }]);
  });

  it('hands a bound port to its host agent with MAC, addresses and filters, and reports it ACTIVE', async () => {
    const n = (await call('demo', 'POST', '/v2.0/networks', { network: {} })).json().network;
    const s = (await call('demo', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.5.0.0/24' } })).json().subnet;
    const p = (await call('admin', 'POST', '/v2.0/ports', { port: { network_id: n.id, 'binding:host_id': AGENT_HOST, project_id: 'p-demo' } })).json().port;
    expect(p.status).toBe('DOWN');
    await until(async () => (await call('demo', 'GET', `/v2.0/ports/${p.id}`)).json().port.status === 'ACTIVE');
    const plug = f.dataplane.calls.find((c) => c.op === 'plug' && c.port.portId === p.id);
    expect(plug).toBeDefined();
    if (plug?.op !== 'plug') throw new Error('no plug');
    expect(plug.port).toMatchObject({ macAddress: p.mac_address, fixedIps: [{ subnetId: s.id, ipAddress: '10.5.0.2' }], mtu: 1450,
      segment: { networkType: 'vxlan', segmentationId: n['provider:segmentation_id'] ?? expect.any(Number) }, securityGroupIds: p.security_groups });
    const def = plug.groups.find((g) => g.id === p.security_groups[0]);
    expect(def?.memberIps).toContain('10.5.0.2');
    expect(def?.rules.some((r) => r.direction === 'ingress' && r.remoteGroupId === def.id)).toBe(true);

    await call('demo', 'POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: def!.id, direction: 'ingress', protocol: 'icmp' } });
    // The notice carries the group's new filter (read once for every agent), icmp rule and members included.
    // (An earlier notice, of the port joining the group, may still arrive first: wait for the one with the rule.)
    const withRule = (): GroupFilter | undefined => f.dataplane.calls.flatMap((c) => (c.op === 'groups' ? c.groups : []))
      .find((g) => g.id === def!.id && g.rules.some((r) => r.protocol === 'icmp'));
    await until(async () => withRule() !== undefined);
    expect(withRule()?.memberIps).toContain('10.5.0.2');

    expect((await call('admin', 'DELETE', `/v2.0/ports/${p.id}`)).statusCode).toBe(204);
    await until(async () => !f.dataplane.plugged.has(p.id));
  });

  it('reports network IP availability', async () => {
    const n = (await call('demo', 'POST', '/v2.0/networks', { network: { name: 'avail' } })).json().network;
    await call('demo', 'POST', '/v2.0/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.6.0.0/28' } });
    await call('demo', 'POST', '/v2.0/ports', { port: { network_id: n.id } });
    const a = (await call('admin', 'GET', `/v2.0/network-ip-availabilities/${n.id}`)).json().network_ip_availability;
    expect(a).toMatchObject({ network_id: n.id, network_name: 'avail', total_ips: 13, used_ips: 1 });
    expect(a.subnet_ip_availability[0]).toMatchObject({ cidr: '10.6.0.0/28', total_ips: 13, used_ips: 1, ip_version: 4 });
    expect((await call('demo', 'GET', `/v2.0/network-ip-availabilities/${n.id}`)).statusCode).toBe(403);
  });
});
