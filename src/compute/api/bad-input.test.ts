import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepBadInput, WRONG_VALUES } from '../../core/http/test-support.js';
import { bootBasics, bootServer, computeCaller, computeFixture, makeFlavor, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
const call = computeCaller(() => f);
let serverId = '';
let flavorId = '';

beforeAll(async () => {
  f = await computeFixture({ hosts: ['host-1'] });
  const basics = await bootBasics(f, '10.11.0.0/24');
  flavorId = await makeFlavor(call, 'bad-input', { ram: 256, vcpus: 1, disk: 1 });
  serverId = (await bootServer(call, { ...basics, flavorId }, 'bad-input')).id;
}, 60_000);
afterAll(async () => { await f.close(); });

const ACTIONS = [
  'reboot', 'resize', 'rebuild', 'createImage', 'createBackup', 'changePassword', 'os-migrateLive', 'migrate', 'evacuate', 'rescue', 'lock', 'os-resetState',
  'addSecurityGroup', 'removeSecurityGroup', 'addFloatingIp', 'removeFloatingIp', 'os-getConsoleOutput', 'os-getVNCConsole', 'shelve', 'unshelve',
  'confirmResize', 'revertResize', 'trigger_crash_dump', 'addFixedIp', 'removeFixedIp', 'addTenantAccess', 'removeTenantAccess', 'add_host', 'set_metadata',
  'injectNetworkInfo', 'forceDelete', 'restore', 'shelveOffload', 'force_complete',
];
const BODIES: unknown[] = [...WRONG_VALUES, { server: 1 }, { flavor: {} }, { keypair: { name: 5 } }, { quota_set: { instances: 'x' } }, { server_group: { policies: 'x' } },
  { aggregate: 5 }, { metadata: [] }, { meta: 1 }, { tags: 'x' }, { interfaceAttachment: 'x' }, { remote_console: 1 }, { events: 'x' }, { extra_specs: 3 }];

describe('compute API: bad input', () => {
  for (const version of ['2.1', '2.93']) {
    it(`every route answers malformed bodies and queries with a Nova fault and a 4xx, never a 5xx (${version})`, async () => {
      const { wrong, statuses, routes } = await sweepBadInput({
        app: f.app,
        // The fixture's server and flavor where a route names them, else an id nothing has.
        concrete: (path) => path.replace(/\/servers\/:[a-z_]+(\|:[a-z_]+)*/, `/servers/${serverId}`).replace(/\/flavors\/:[a-z_]+/, `/flavors/${flavorId}`)
          .replace(/:[a-z_]+(\|:[a-z_]+)*/g, 'no-such-thing').replace(/\/?\*$/, '/x'),
        bodies: (_method, url) => url.endsWith('/action') ? ACTIONS.flatMap((a) => WRONG_VALUES.map((v) => ({ [a]: v }))) : BODIES,
        query: '?limit=abc&marker=zz&changes-since=notadate&sort_key=nope&sort_dir=sideways&all_tenants=maybe&deleted=maybe&start=x&end=y&detailed=x'
          + '&with_servers=x&instance_uuid=z&ip=[&name=(&tags=,,&flavor=x&image=x&status=x&minDisk=q&is_public=q',
        send: (method, url, body) => call('admin', method, url, body, version),
        isFault: (res) => {
          const fault = Object.entries(res.json() as Record<string, { code?: number; message?: unknown }>);
          return fault.length === 1 && fault[0]![1].code === res.statusCode && typeof fault[0]![1].message === 'string';
        },
        skip: (method, path) => method === 'DELETE' && /\/servers\/:id[^/]*$/.test(path), // the server stays for the routes after it
      });
      expect(routes).toBeGreaterThan(100);
      expect(wrong).toEqual([]);
      expect([...statuses]).toEqual(expect.arrayContaining([400, 404, 409, 410]));
    }, 120_000);
  }
});
