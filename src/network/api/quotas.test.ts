import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, callerFor, networkFixture, type NetworkFixture, PROJECTS } from '../test-support.js';

let f: NetworkFixture;
beforeAll(async () => { f = await networkFixture(); });
afterAll(async () => { await f.close(); });

const call = callerFor(() => f);

describe('quotas', () => {
  it('shows defaults, lets admins set limits, and holds them under parallel creates', async () => {
    const shown = (await call('demo', 'GET', `/v2.0/quotas/${PROJECTS.demo}`)).json().quota;
    expect(shown).toMatchObject({ network: 100, subnet: 100, port: 500, router: 10, floatingip: 50, security_group: 10, security_group_rule: 100 });
    expect((await call('demo', 'PUT', `/v2.0/quotas/${PROJECTS.demo}`, { quota: { network: 3 } })).statusCode).toBe(403);
    expect((await call('demo', 'GET', `/v2.0/quotas/${PROJECTS.alt}`)).statusCode).toBe(403);
    const set = await call('admin', 'PUT', `/v2.0/quotas/${PROJECTS.demo}`, { quota: { network: 3, port: 5 } });
    expect(set.json().quota).toMatchObject({ network: 3, port: 5, subnet: 100 });
    expect((await call('admin', 'PUT', `/v2.0/quotas/${PROJECTS.demo}`, { quota: { network: -2 } })).statusCode).toBe(400);
    expect((await call('admin', 'GET', '/v2.0/quotas')).json().quotas.map((q: any) => q.project_id)).toEqual([PROJECTS.demo]);

    const nets = await Promise.all(Array.from({ length: 10 }, () => call('demo', 'POST', '/v2.0/networks', { network: {} })));
    expect(nets.filter((r) => r.statusCode === 201).length).toBe(3);
    const over = nets.filter((r) => r.statusCode === 409);
    expect(over.length).toBe(7);
    expect(over[0]!.json().NeutronError).toMatchObject({ type: 'OverQuota', message: "Quota exceeded for resources: ['network']." });

    const net = nets.find((r) => r.statusCode === 201)!.json().network;
    await call('demo', 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24' } });
    const ports = await Promise.all(Array.from({ length: 12 }, () => call('demo', 'POST', '/v2.0/ports', { port: { network_id: net.id } })));
    expect(ports.filter((r) => r.statusCode === 201).length).toBe(5);
    const details = (await call('demo', 'GET', `/v2.0/quotas/${PROJECTS.demo}/details`)).json().quota;
    expect(details.network).toEqual({ limit: 3, used: 3, reserved: 0 });
    expect(details.port).toEqual({ limit: 5, used: 5, reserved: 0 });
    expect((await call('admin', 'DELETE', `/v2.0/quotas/${PROJECTS.demo}`)).statusCode).toBe(204);
    expect((await call('demo', 'GET', `/v2.0/quotas/${PROJECTS.demo}/default`)).json().quota.network).toBe(100);
    expect((await call('demo', 'GET', `/v2.0/quotas/${PROJECTS.demo}`)).json().quota.network).toBe(100);
  });
});
