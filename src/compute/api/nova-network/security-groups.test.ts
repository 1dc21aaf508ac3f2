import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootBasics, bootServer, computeCaller, computeFixture, novaFault, restCall, type ComputeFixture } from '../../test-support.js';

let f: ComputeFixture;
let boot: { imageId: string; networkId: string; flavorId: string };
const call = computeCaller(() => f);
const MISSING = '5e3c9a3c-6a8b-4c1e-9a7e-6a2f0b9d1c42';

beforeAll(async () => {
  f = await computeFixture({ hosts: ['host-1'] });
  const basics = await bootBasics(f, '10.30.0.0/24');
  const flavor = (await call('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'sg.small', ram: 256, vcpus: 1, disk: 1 } })).json().flavor.id;
  boot = { ...basics, flavorId: flavor };
}, 60_000);
afterAll(async () => { await f.close(); });

const createGroup = async (name: string, description = 'd'): Promise<any> => {
  const res = await call('demo', 'POST', '/v2.1/os-security-groups', { security_group: { name, description } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().security_group;
};
const addRule = (rule: Record<string, unknown>) => call('demo', 'POST', '/v2.1/os-security-group-rules', { security_group_rule: rule });

describe('compute: os-security-groups proxy', () => {
  it('creates, shows, lists, updates and deletes a group; the created view equals the listed one', async () => {
    const g = await createGroup(' web tier ', 'front');
    expect(g).toEqual({ id: g.id, name: ' web tier ', description: 'front', tenant_id: 'p-demo', rules: [] });
    expect((await call('demo', 'GET', `/v2.1/os-security-groups/${g.id}`)).json().security_group).toEqual(g);
    const list = (await call('demo', 'GET', '/v2.1/os-security-groups')).json().security_groups;
    expect(list).toContainEqual(g);
    expect(list.map((x: any) => x.name)).toContain('default');
    const updated = await call('demo', 'PUT', `/v2.1/os-security-groups/${g.id}`, { security_group: { name: 'renamed', description: 'new' } });
    expect(updated.json().security_group).toMatchObject({ id: g.id, name: 'renamed', description: 'new' });
    expect((await call('demo', 'DELETE', `/v2.1/os-security-groups/${g.id}`)).statusCode).toBe(202);
    const gone = await call('demo', 'GET', `/v2.1/os-security-groups/${g.id}`);
    expect(gone.statusCode).toBe(404);
    expect(novaFault(gone)).toMatchObject({ name: 'itemNotFound', message: `Security group ${g.id} not found.` });
  });

  it('answers Nova\'s errors: bad ids, missing groups, bad names, the default group, a group in use', async () => {
    expect(novaFault(await call('demo', 'GET', '/v2.1/os-security-groups/not-a-uuid'))).toMatchObject({ code: 400, message: 'Security group id should be uuid' });
    expect((await call('demo', 'DELETE', `/v2.1/os-security-groups/${MISSING}`)).statusCode).toBe(404);
    expect((await call('demo', 'DELETE', '/v2.1/os-security-groups/')).statusCode).toBe(404);
    expect((await call('demo', 'PUT', `/v2.1/os-security-groups/${MISSING}`, { security_group: { name: 'a', description: 'b' } })).statusCode).toBe(404);
    expect(novaFault(await call('demo', 'POST', '/v2.1/os-security-groups', { security_group: { name: 'x'.repeat(256), description: '' } })))
      .toMatchObject({ code: 400, message: 'name has 256 characters, more than 255.' });
    expect(novaFault(await call('demo', 'POST', '/v2.1/os-security-groups', { security_group: { name: 'no-description' } })))
      .toMatchObject({ code: 400, message: 'description is not a string or unicode' });
    expect(novaFault(await call('demo', 'POST', '/v2.1/os-security-groups', { group: {} }))).toMatchObject({ code: 400, message: 'Missing parameter security_group' });
    const list = (await call('demo', 'GET', '/v2.1/os-security-groups')).json().security_groups;
    const dflt = list.find((g: any) => g.name === 'default');
    expect((await call('demo', 'DELETE', `/v2.1/os-security-groups/${dflt.id}`)).statusCode).toBe(400);

    const used = await createGroup('in-use');
    const server = await bootServer(call, boot, 'guarded');
    expect((await call('demo', 'POST', `/v2.1/servers/${server.id}/action`, { addSecurityGroup: { name: 'in-use' } })).statusCode).toBe(202);
    const inUse = await call('demo', 'DELETE', `/v2.1/os-security-groups/${used.id}`);
    expect(inUse.statusCode).toBe(400);
    expect(novaFault(inUse).message).toContain('in use');
    const ofServer = (await call('demo', 'GET', `/v2.1/servers/${server.id}/os-security-groups`, undefined, '2.80')).json().security_groups;
    expect(ofServer.map((g: any) => g.name)).toEqual(['default', 'in-use']);
    expect(ofServer[1]).toEqual(used);
  });

  it('is gone above 2.35 and lists every project only for an admin asking for all_tenants', async () => {
    expect((await call('demo', 'GET', '/v2.1/os-security-groups', undefined, '2.36')).statusCode).toBe(404);
    expect((await call('demo', 'GET', '/v2.1/os-security-groups', undefined, '2.35')).statusCode).toBe(200);
    const mine = await createGroup('demo-only');
    const admins = (await call('admin', 'GET', '/v2.1/os-security-groups?all_tenants=1')).json().security_groups;
    expect(admins.map((g: any) => g.id)).toContain(mine.id);
    expect((await call('admin', 'GET', '/v2.1/os-security-groups')).json().security_groups.map((g: any) => g.id)).not.toContain(mine.id);
    expect((await call('alt', 'GET', '/v2.1/os-security-groups?all_tenants=1')).json().security_groups.map((g: any) => g.id)).not.toContain(mine.id);
    expect((await call('alt', 'GET', `/v2.1/os-security-groups/${mine.id}`)).statusCode).toBe(404);
    const page = (await call('demo', 'GET', '/v2.1/os-security-groups?limit=1&offset=1')).json().security_groups;
    expect(page).toHaveLength(1);
    expect((await call('demo', 'GET', '/v2.1/os-security-groups?limit=-1')).statusCode).toBe(400);
  });
});

describe('compute: os-security-group-rules proxy', () => {
  it('adds CIDR, ICMP and group rules in nova-network terms and shows them on the group', async () => {
    const g = await createGroup('ruled');
    const peer = await createGroup('peer');
    const tcp = await addRule({ parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22 });
    expect(tcp.statusCode, tcp.body).toBe(200);
    expect(tcp.json().security_group_rule).toEqual({
      id: expect.any(String), parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, ip_range: { cidr: '0.0.0.0/0' }, group: {},
    });
    const icmp = (await addRule({ parent_group_id: g.id, ip_protocol: 'icmp', from_port: -1, to_port: -1, cidr: '10.2.3.0/24' })).json().security_group_rule;
    expect(icmp).toMatchObject({ from_port: -1, to_port: -1, ip_range: { cidr: '10.2.3.0/24' } });
    const fromPeer = (await addRule({ parent_group_id: g.id, ip_protocol: 'udp', group_id: peer.id })).json().security_group_rule;
    expect(fromPeer).toMatchObject({ from_port: 1, to_port: 65535, ip_range: {}, group: { name: 'peer', tenant_id: 'p-demo' } });
    const shown = (await call('demo', 'GET', `/v2.1/os-security-groups/${g.id}`)).json().security_group.rules;
    expect(shown.map((r: any) => r.id).sort()).toEqual([tcp.json().security_group_rule.id, icmp.id, fromPeer.id].sort());
    // The peer's deletion takes the rule naming it along (Neutron's cascade).
    expect((await call('demo', 'DELETE', `/v2.1/os-security-groups/${peer.id}`)).statusCode).toBe(202);
    expect((await call('demo', 'GET', `/v2.1/os-security-groups/${g.id}`)).json().security_group.rules).toHaveLength(2);
    expect((await call('demo', 'DELETE', `/v2.1/os-security-group-rules/${icmp.id}`)).statusCode).toBe(202);
    expect((await call('demo', 'GET', `/v2.1/os-security-groups/${g.id}`)).json().security_group.rules).toHaveLength(1);
    expect((await call('demo', 'DELETE', `/v2.1/os-security-group-rules/${icmp.id}`)).statusCode).toBe(404);
  });

  it('refuses duplicates, bad protocols, ports and CIDRs, and unknown groups with Nova\'s messages', async () => {
    const g = await createGroup('strict');
    const rule = { parent_group_id: g.id, ip_protocol: 'tcp', from_port: 80, to_port: 80 };
    expect((await addRule(rule)).statusCode).toBe(200);
    expect(novaFault(await addRule(rule))).toMatchObject({ code: 400, message: `This rule already exists in group ${g.id}` });
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ ...rule, ip_protocol: 'tempest-999' }, 400, 'Invalid IP protocol tempest-999.'],
      [{ ...rule, from_port: 65536, to_port: 65537 }, 400, 'Invalid port range 65536:65537. Valid TCP ports should be between 1-65535'],
      [{ ...rule, from_port: 22, to_port: 21 }, 400, 'Invalid port range 22:21. Former value cannot be greater than the later'],
      [{ ...rule, ip_protocol: 'icmp', from_port: 256, to_port: 0 }, 400, 'Invalid port range 256:0. For ICMP, the type:code must be valid'],
      [{ ...rule, from_port: 'eighty' }, 400, 'Invalid input received: To and From ports must be integers'],
      [{ ...rule, cidr: '10.0.0.0/33' }, 400, '10.0.0.0/33 is not a valid IP network.'],
      [{ ...rule, cidr: '10.0.0.1/0' }, 400, 'Bad prefix for network in cidr 10.0.0.1/0'],
      [{ parent_group_id: g.id, ip_protocol: 'tcp' }, 400, 'Not enough parameters to build a valid rule.'],
      [{ ...rule, parent_group_id: 'non_int_id' }, 400, 'Security group id should be uuid'],
      [{ ...rule, parent_group_id: MISSING }, 404, `Security group ${MISSING} not found.`],
      [{ ...rule, group_id: MISSING }, 404, `Security group ${MISSING} not found.`],
    ];
    for (const [body, code, message] of cases) expect(novaFault(await addRule(body)), JSON.stringify(body)).toMatchObject({ code, message });
    expect((await call('demo', 'DELETE', `/v2.1/os-security-group-rules/${MISSING}`)).statusCode).toBe(404);
    expect((await call('demo', 'POST', '/v2.1/os-security-group-rules', { security_group_rule: rule }, '2.36')).statusCode).toBe(404);
  });

  it('keeps other projects out: alt cannot add a rule to demo\'s group', async () => {
    const g = await createGroup('private');
    const res = await call('alt', 'POST', '/v2.1/os-security-group-rules', { security_group_rule: { parent_group_id: g.id, ip_protocol: 'tcp', from_port: 1, to_port: 2 } });
    expect(res.statusCode).toBe(404);
    const neutron = await restCall(f.networkUrl, 'demo', 'GET', `/v2.0/security-groups/${g.id}`);
    expect(neutron.security_group.security_group_rules.filter((r: any) => r.direction === 'ingress')).toHaveLength(0);
  });
});
