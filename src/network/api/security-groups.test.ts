import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, callerFor, fault, networkFixture, type NetworkFixture, PROJECTS } from '../test-support.js';

let f: NetworkFixture;
beforeAll(async () => { f = await networkFixture(); });
afterAll(async () => { await f.close(); });

const call = callerFor(() => f);

async function rule(who: Caller, body: Record<string, unknown>) {
  return call(who, 'POST', '/v2.0/security-group-rules', { security_group_rule: body });
}

describe('security groups', () => {
  it('creates one default group per project on first use, even in parallel', async () => {
    const lists = await Promise.all(Array.from({ length: 8 }, () => call('alt', 'GET', '/v2.0/security-groups')));
    const ids = new Set(lists.map((l) => l.json().security_groups.find((g: any) => g.name === 'default').id));
    expect(ids.size).toBe(1);
    const groups = (await call('alt', 'GET', '/v2.0/security-groups')).json().security_groups;
    expect(groups.length).toBe(1);
    const def = groups[0];
    expect(def.project_id).toBe(PROJECTS.alt);
    const shape = def.security_group_rules.map((r: any) => `${r.direction}/${r.ethertype}/${r.remote_group_id === def.id ? 'self' : 'any'}`).sort();
    expect(shape).toEqual(['egress/IPv4/any', 'egress/IPv6/any', 'ingress/IPv4/self', 'ingress/IPv6/self']);
  });

  it('gives ports the default group and refuses to delete a group in use', async () => {
    const n = (await call('demo', 'POST', '/v2.0/networks', { network: {} })).json().network;
    const p = (await call('demo', 'POST', '/v2.0/ports', { port: { network_id: n.id } })).json().port;
    const def = (await call('demo', 'GET', '/v2.0/security-groups?name=default')).json().security_groups[0];
    expect(p.security_groups).toEqual([def.id]);
    const web = (await call('demo', 'POST', '/v2.0/security-groups', { security_group: { name: 'web' } })).json().security_group;
    expect(web.security_group_rules.length).toBe(2);
    const moved = await call('demo', 'PUT', `/v2.0/ports/${p.id}`, { port: { security_groups: [web.id] } });
    expect(moved.json().port.security_groups).toEqual([web.id]);
    const del = await call('demo', 'DELETE', `/v2.0/security-groups/${web.id}`);
    expect(del.statusCode).toBe(409);
    expect(fault(del).type).toBe('SecurityGroupInUse');
    const foreign = (await call('alt', 'GET', '/v2.0/security-groups')).json().security_groups[0].id;
    const bad = await call('demo', 'PUT', `/v2.0/ports/${p.id}`, { port: { security_groups: [foreign] } });
    expect(bad.statusCode).toBe(404);
    expect(fault(bad).type).toBe('SecurityGroupNotFound');
    const nosec = await call('demo', 'PUT', `/v2.0/ports/${p.id}`, { port: { port_security_enabled: false } });
    expect(nosec.statusCode).toBe(400);
    expect((await call('demo', 'PUT', `/v2.0/ports/${p.id}`, { port: { port_security_enabled: false, security_groups: [] } })).statusCode).toBe(200);
    expect((await call('demo', 'DELETE', `/v2.0/security-groups/${web.id}`)).statusCode).toBe(204);
    const defDel = await call('demo', 'DELETE', `/v2.0/security-groups/${def.id}`);
    expect(fault(defDel).type).toBe('SecurityGroupCannotRemoveDefault');
    expect(fault(await call('demo', 'POST', '/v2.0/security-groups', { security_group: { name: 'default' } })).type).toBe('SecurityGroupDefaultAlreadyExists');
  });

  it('validates rules and refuses duplicates, also protocol numbers for names', async () => {
    const g = (await call('demo', 'POST', '/v2.0/security-groups', { security_group: { name: 'rules' } })).json().security_group;
    const ssh = await rule('demo', { security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22 });
    expect(ssh.statusCode, ssh.body).toBe(201);
    expect(ssh.json().security_group_rule).toMatchObject({ protocol: 'tcp', port_range_min: 22, port_range_max: 22, ethertype: 'IPv4', remote_ip_prefix: null });
    const dup = await rule('demo', { security_group_id: g.id, direction: 'ingress', protocol: '6', port_range_min: 22, port_range_max: 22 });
    expect(dup.statusCode).toBe(409);
    expect(fault(dup).type).toBe('SecurityGroupRuleExists');
    expect(fault(dup).message).toContain(ssh.json().security_group_rule.id);
    // Neutron keeps a prefix as given (host bits too) and only adds a missing mask.
    const hostBits = await rule('demo', { security_group_id: g.id, direction: 'ingress', remote_ip_prefix: '10.2.3.124/24' });
    expect(hostBits.json().security_group_rule.remote_ip_prefix).toBe('10.2.3.124/24');
    const bare = await rule('demo', { security_group_id: g.id, direction: 'egress', remote_ip_prefix: '10.9.9.9' });
    expect(bare.json().security_group_rule.remote_ip_prefix).toBe('10.9.9.9/32');
    const icmp = await rule('demo', { security_group_id: g.id, direction: 'ingress', protocol: 'icmp' });
    expect(icmp.statusCode).toBe(201);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ direction: 'sideways' }, 'InvalidInput'],
      [{ direction: 'ingress', protocol: 'bogus' }, 'SecurityGroupRuleInvalidProtocol'],
      [{ direction: 'ingress', protocol: 'tcp', port_range_min: 90, port_range_max: 80 }, 'SecurityGroupInvalidPortRange'],
      [{ direction: 'ingress', port_range_min: 80 }, 'SecurityGroupProtocolRequiredWithPorts'],
      [{ direction: 'ingress', protocol: 'tcp', port_range_max: 6 }, 'SecurityGroupInvalidPortRange'],
      [{ direction: 'ingress', protocol: 'icmp', port_range_min: 300 }, 'SecurityGroupInvalidIcmpValue'],
      [{ direction: 'ingress', remote_ip_prefix: '2001:db8::/64' }, 'SecurityGroupRuleParameterConflict'],
      [{ direction: 'ingress', remote_ip_prefix: '10.0.0.0/8', remote_group_id: g.id }, 'SecurityGroupRemoteGroupAndRemoteIpPrefix'],
      [{ direction: 'ingress', ethertype: 'IPv5' }, 'SecurityGroupRuleInvalidEtherType'],
    ];
    for (const [body, type] of cases) {
      const res = await rule('demo', { security_group_id: g.id, ...body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(fault(res).type, JSON.stringify(body)).toBe(type);
    }
    expect((await rule('alt', { security_group_id: g.id, direction: 'ingress' })).statusCode).toBe(404);
    const listed = (await call('demo', 'GET', `/v2.0/security-group-rules?security_group_id=${g.id}`)).json().security_group_rules;
    // Two default egress rules, ssh, the two prefix rules, icmp.
    expect(listed.length).toBe(6);
    expect((await call('demo', 'DELETE', `/v2.0/security-group-rules/${icmp.json().security_group_rule.id}`)).statusCode).toBe(204);
    expect((await call('demo', 'GET', `/v2.0/security-groups/${g.id}`)).json().security_group.security_group_rules.length).toBe(5);
  });
});
