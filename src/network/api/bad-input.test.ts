import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepBadInput, WRONG_VALUES } from '../../core/http/test-support.js';
import { callerFor, creatorFor, networkFixture, type NetworkFixture } from '../test-support.js';

let f: NetworkFixture;
const call = callerFor(() => f);
const made = creatorFor(call);
/** One real resource per collection, so routes with an id reach their handlers' checks. */
const ids: Record<string, string> = {};

beforeAll(async () => {
  f = await networkFixture();
  const pub = await made('admin', 'networks', 'network', { name: 'public', 'router:external': true });
  await made('admin', 'subnets', 'subnet', { network_id: pub.id, ip_version: 4, cidr: '172.30.9.0/24' });
  const net = await made('admin', 'networks', 'network', { name: 'bad-input' });
  const subnet = await made('admin', 'subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '10.12.0.0/24' });
  const port = await made('admin', 'ports', 'port', { network_id: net.id });
  const router = await made('admin', 'routers', 'router', { name: 'bad-input' });
  const group = await made('admin', 'security-groups', 'security_group', { name: 'bad-input' });
  const rule = await made('admin', 'security-group-rules', 'security_group_rule', { security_group_id: group.id, direction: 'ingress', protocol: 'tcp' });
  const fip = await made('admin', 'floatingips', 'floatingip', { floating_network_id: pub.id });
  const pool = await made('admin', 'subnetpools', 'subnetpool', { name: 'bad-input', prefixes: ['10.200.0.0/16'] });
  Object.assign(ids, {
    networks: net.id, subnets: subnet.id, ports: port.id, routers: router.id, 'security-groups': group.id, 'security-group-rules': rule.id,
    floatingips: fip.id, subnetpools: pool.id,
  });
}, 60_000);
afterAll(async () => { await f.close(); });

describe('network API: bad input', () => {
  it('every route answers malformed bodies and queries with a NeutronError and a 4xx, never a 5xx', async () => {
    const { wrong, statuses, routes } = await sweepBadInput({
      app: f.app,
      concrete: (path) => path.replace(/\/([a-z-]+)\/:[a-z_]+/g, (_all, collection: string) => `/${collection}/${ids[collection] ?? 'no-such-thing'}`)
        .replace(/:[a-z_]+/g, 'no-such-thing').replace(/\/?\*$/, '/x'),
      bodies: () => [...WRONG_VALUES, ...['network', 'subnet', 'port', 'router', 'floatingip', 'security_group', 'security_group_rule', 'subnetpool', 'quota']
        .flatMap((key) => WRONG_VALUES.map((v) => ({ [key]: v })))],
      query: '?limit=abc&marker=zz&sort_key=nope&sort_dir=sideways&fields=&admin_state_up=maybe&shared=maybe&ip_version=x&fixed_ips=ip_address%3D['
        + '&page_reverse=q&tags=,,&router:external=x&mac_address=zz&device_id=&id=x&cidr=none',
      send: (method, url, body) => call('admin', method, url, body),
      isFault: (res) => {
        const body = res.json() as { NeutronError?: { type?: unknown; message?: unknown } };
        return typeof body.NeutronError?.type === 'string' && typeof body.NeutronError.message === 'string';
      },
    });
    expect(routes).toBeGreaterThan(40);
    expect(wrong).toEqual([]);
    expect([...statuses]).toEqual(expect.arrayContaining([400, 404]));
  }, 120_000);
});
