import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** Every route of the app with its methods, read from Fastify's route tree. */
function routes(): Array<[string, string[]]> {
  const out: Array<[string, string[]]> = [];
  const stack: string[] = [];
  for (const line of f.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^(.*?)(?:└── |├── )(.*?)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = Math.round(m[1]!.length / 4);
    stack.length = depth;
    stack[depth] = m[2]!;
    if (m[3]) out.push([stack.join(''), m[3].split(', ')]);
  }
  return out;
}

/** Path parameters: the fixture's server and flavor where the route names them, else an id nothing has. */
const concrete = (path: string): string => path
  .replace(/\/servers\/:[a-z_]+(\|:[a-z_]+)*/, `/servers/${serverId}`)
  .replace(/\/flavors\/:[a-z_]+/, `/flavors/${flavorId}`)
  .replace(/:[a-z_]+(\|:[a-z_]+)*/g, 'no-such-thing')
  .replace(/\/?\*$/, '/x');

const ACTIONS = [
  'reboot', 'resize', 'rebuild', 'createImage', 'createBackup', 'changePassword', 'os-migrateLive', 'migrate', 'evacuate', 'rescue', 'lock', 'os-resetState',
  'addSecurityGroup', 'removeSecurityGroup', 'addFloatingIp', 'removeFloatingIp', 'os-getConsoleOutput', 'os-getVNCConsole', 'shelve', 'unshelve',
  'confirmResize', 'revertResize', 'trigger_crash_dump', 'addFixedIp', 'removeFixedIp', 'addTenantAccess', 'removeTenantAccess', 'add_host', 'set_metadata',
  'injectNetworkInfo', 'forceDelete', 'restore', 'shelveOffload', 'force_complete',
];
/** Wrong types in the places requests put things (the last one: every common field wrong at once). */
const VALUES: unknown[] = [null, 1, 'x', [], {}, { a: 1 }, true, {
  name: 1, flavorRef: {}, imageRef: [], type: 9, host: 5, adminPass: 3, length: 'zz', state: 1, address: {}, backup_type: 1, rotation: 'q',
  availability_zone: 7, block_migration: 'maybe', metadata: 'x', tenant: 4,
}];
const BODIES: unknown[] = [...VALUES, { server: 1 }, { flavor: {} }, { keypair: { name: 5 } }, { quota_set: { instances: 'x' } }, { server_group: { policies: 'x' } },
  { aggregate: 5 }, { metadata: [] }, { meta: 1 }, { tags: 'x' }, { interfaceAttachment: 'x' }, { remote_console: 1 }, { events: 'x' }, { extra_specs: 3 }];
const QUERY = '?limit=abc&marker=zz&changes-since=notadate&sort_key=nope&sort_dir=sideways&all_tenants=maybe&deleted=maybe&start=x&end=y&detailed=x'
  + '&with_servers=x&instance_uuid=z&ip=[&name=(&tags=,,&flavor=x&image=x&status=x&minDisk=q&is_public=q';

describe('compute API: bad input', () => {
  it('every route answers malformed bodies and queries with a Nova fault body and a 4xx, never a 5xx', async () => {
    const wrong: string[] = [];
    const seen = new Set<number>();
    const list = routes();
    expect(list.length).toBeGreaterThan(100);
    for (const [path, methods] of list) {
      const url = concrete(path);
      for (const method of methods.filter((m) => ['GET', 'POST', 'PUT', 'DELETE'].includes(m))) {
        if (method === 'DELETE' && /\/servers\/:id[^/]*$/.test(path)) continue; // the server stays for the routes after it
        const bodies = method === 'GET' || method === 'DELETE' ? [undefined] : url.endsWith('/action') ? ACTIONS.flatMap((a) => VALUES.map((v) => ({ [a]: v }))) : BODIES;
        for (const body of bodies) {
          for (const version of ['2.1', '2.93']) {
            const res = body === undefined
              ? await call('admin', method as 'GET', method === 'GET' ? url + QUERY : url, undefined, version)
              : await call('admin', method as 'POST', url, body, version);
            seen.add(res.statusCode);
            const said = `${method} ${url} ${JSON.stringify(body) ?? ''} @${version} -> ${res.statusCode} ${res.body.slice(0, 160)}`;
            if (res.statusCode >= 500) wrong.push(said);
            if (res.statusCode >= 400 && res.statusCode < 500) {
              const fault = Object.entries(res.json() as Record<string, { code?: number; message?: unknown }>);
              if (fault.length !== 1 || fault[0]![1].code !== res.statusCode || typeof fault[0]![1].message !== 'string') wrong.push(`body: ${said}`);
            }
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect([...seen]).toEqual(expect.arrayContaining([400, 404, 409, 410]));
  }, 120_000);
});
