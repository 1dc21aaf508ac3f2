import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootBasics, computeCaller, computeFixture, novaFault, restCall, waitForServer, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
let imageId: string;
let networkId: string;
let flavorId: string;
let bigFlavorId: string;

const call = computeCaller(() => f);

const api = restCall;

beforeAll(async () => {
  f = await computeFixture({ hosts: ['host-1', 'host-2'], driver: { spawnFailurePattern: /^explode/ } });
  ({ imageId, networkId } = await bootBasics(f));
  flavorId = (await call('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 } })).json().flavor.id;
  bigFlavorId = (await call('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'm1.huge', ram: 40_000, vcpus: 1, disk: 1 } })).json().flavor.id;
}, 60_000);
afterAll(async () => { await f.close(); });

async function boot(server: Record<string, unknown>, who: 'demo' | 'admin' | 'alt' = 'demo', version = '2.1'): Promise<{ status: number; body: any }> {
  const res = await call(who, 'POST', '/v2.1/servers', { server: { imageRef: imageId, flavorRef: flavorId, networks: [{ uuid: networkId }], ...server } }, version);
  return { status: res.statusCode, body: res.json() };
}

async function waitFor(id: string, statuses: string[], who: 'demo' | 'admin' = 'demo'): Promise<any> {
  return waitForServer(call, id, statuses, who);
}

describe('compute: servers', () => {
  it('boots to ACTIVE on a fake host with a bound port and a Placement claim; delete frees both', async () => {
    const created = await boot({ name: 'web-1', metadata: { role: 'web' } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body.server).toMatchObject({ 'OS-DCF:diskConfig': 'MANUAL', security_groups: [{ name: 'default' }] });
    expect(created.body.server.adminPass).toMatch(/^\S{12}$/);
    const id = created.body.server.id as string;
    const server = await waitFor(id, ['ACTIVE', 'ERROR']);
    expect(server.fault).toBeUndefined();
    expect(server).toMatchObject({ status: 'ACTIVE', name: 'web-1', metadata: { role: 'web' }, 'OS-EXT-STS:power_state': 1, 'OS-EXT-STS:vm_state': 'active',
      flavor: { vcpus: 1, ram: 512, disk: 1, original_name: 'm1.tiny' }, 'OS-EXT-AZ:availability_zone': 'nova' });
    expect(server.hostId).toMatch(/^[0-9a-f]{56}$/);
    expect(server.addresses.private[0]).toMatchObject({ version: 4, 'OS-EXT-IPS:type': 'fixed' });
    expect(server).not.toHaveProperty('OS-EXT-SRV-ATTR:host');
    const asAdmin = (await call('admin', 'GET', `/v2.1/servers/${id}`, undefined, '2.3')).json().server;
    expect(['host-1', 'host-2']).toContain(asAdmin['OS-EXT-SRV-ATTR:host']);
    const ports = await api(f.networkUrl, 'admin', 'GET', `/v2.0/ports?device_id=${id}`);
    expect(ports.ports).toHaveLength(1);
    expect(ports.ports[0]).toMatchObject({ device_owner: 'compute:nova', 'binding:host_id': asAdmin['OS-EXT-SRV-ATTR:host'], tenant_id: 'p-demo' });
    const claim = await f.placement.db.selectFrom('allocations').selectAll().where('consumer_uuid', '=', id).execute();
    expect(Object.fromEntries(claim.map((a) => [a.resource_class, a.used]))).toEqual({ VCPU: 1, MEMORY_MB: 512, DISK_GB: 1 });
    expect((await call('alt', 'GET', `/v2.1/servers/${id}`)).statusCode).toBe(404);

    const list = (await call('demo', 'GET', '/v2.1/servers')).json().servers;
    expect(list.map((s: { id: string }) => s.id)).toContain(id);
    expect((await call('demo', 'GET', '/v2.1/servers/detail?name=^web')).json().servers).toHaveLength(1);
    expect((await call('demo', 'GET', '/v2.1/servers/detail?status=SHUTOFF')).json().servers).toHaveLength(0);
    expect((await call('alt', 'GET', '/v2.1/servers')).json().servers).toHaveLength(0);

    expect((await call('demo', 'DELETE', `/v2.1/servers/${id}`)).statusCode).toBe(204);
    await waitFor(id, ['DELETED']);
    expect((await api(f.networkUrl, 'admin', 'GET', `/v2.0/ports?device_id=${id}`)).ports).toHaveLength(0);
    expect(await f.placement.db.selectFrom('allocations').selectAll().where('consumer_uuid', '=', id).execute()).toHaveLength(0);
  });

  it('networks "auto" (2.37) picks the project\'s only network', async () => {
    const created = await boot({ name: 'auto-net', networks: 'auto' }, 'demo', '2.37');
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const server = await waitFor(created.body.server.id, ['ACTIVE', 'ERROR']);
    expect(Object.keys(server.addresses)).toEqual(['private']);
    await call('demo', 'DELETE', `/v2.1/servers/${server.id}`);
    await waitFor(server.id, ['DELETED']);
  });

  it('refuses bad requests with Nova\'s messages and leaves nothing behind', async () => {
    expect(novaFault(await call('demo', 'POST', '/v2.1/servers', { server: { name: 'x', imageRef: imageId, flavorRef: 'nope', networks: 'none' } }, '2.37')).message)
      .toBe('Invalid flavorRef provided.');
    expect(novaFault(await call('demo', 'POST', '/v2.1/servers', { server: { name: 'x', imageRef: '00000000-0000-0000-0000-000000000000', flavorRef: flavorId } })).message)
      .toBe('Image 00000000-0000-0000-0000-000000000000 could not be found.');
    expect((await boot({ name: 'x', key_name: 'missing' })).body.badRequest.message).toBe('Invalid key_name provided.');
    expect((await boot({ name: 'x', networks: [{ uuid: '11111111-1111-1111-1111-111111111111' }] })).body.badRequest.message)
      .toBe('Network 11111111-1111-1111-1111-111111111111 could not be found.');
    expect((await boot({ name: 'x', security_groups: [{ name: 'nope' }] })).status).toBe(400);
    expect((await boot({ name: 'x', availability_zone: 'elsewhere' })).body.badRequest.message).toBe('The requested availability zone is not available');
    expect((await call('demo', 'POST', '/v2.1/servers', { server: { name: 'x', imageRef: imageId, flavorRef: flavorId } }, '2.37')).statusCode).toBe(400);
    expect((await boot({ name: 'x', user_data: 'not base64!!' })).body.badRequest.message).toBe('User data needs to be valid base 64.');
    const servers = await f.svc.db.selectFrom('instances').select('display_name').where('display_name', '=', 'x').execute();
    expect(servers).toHaveLength(0);
  });

  it('security groups: a server shows the groups on its ports, so none on a network without port security (test_boot_into_disabled_port_security_network_without_secgroup)', async () => {
    const open = await api(f.networkUrl, 'demo', 'POST', '/v2.0/networks', { network: { name: 'no-port-security', port_security_enabled: false } });
    await api(f.networkUrl, 'demo', 'POST', '/v2.0/subnets', { subnet: { network_id: open.network.id, ip_version: 4, cidr: '10.9.0.0/24' } });
    const created = await boot({ name: 'no-groups', security_groups: [], networks: [{ uuid: open.network.id }] });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body.server.security_groups).toEqual([]);
    const id = created.body.server.id as string;
    const server = await waitFor(id, ['ACTIVE', 'ERROR']);
    expect(server.status).toBe('ACTIVE');
    expect(server).not.toHaveProperty('security_groups');
    expect((await api(f.networkUrl, 'admin', 'GET', `/v2.0/ports?device_id=${id}`)).ports[0].security_groups).toEqual([]);
    const usual = await boot({ name: 'with-default' });
    expect((await waitFor(usual.body.server.id as string, ['ACTIVE', 'ERROR'])).security_groups).toEqual([{ name: 'default' }]);
    for (const s of [id, usual.body.server.id as string]) expect((await call('demo', 'DELETE', `/v2.1/servers/${s}`)).statusCode).toBe(204);
  });

  it('no valid host: ERROR with the fault, no claim, no port', async () => {
    const created = await call('demo', 'POST', '/v2.1/servers', { server: { name: 'too-big', imageRef: imageId, flavorRef: bigFlavorId, networks: [{ uuid: networkId }] } });
    expect(created.statusCode).toBe(202);
    const id = created.json().server.id as string;
    const server = await waitFor(id, ['ERROR', 'ACTIVE']);
    expect(server.status).toBe('ERROR');
    expect(server.fault).toMatchObject({ code: 500, message: 'No valid host was found. There are not enough hosts available.' });
    expect((await api(f.networkUrl, 'admin', 'GET', `/v2.0/ports?device_id=${id}`)).ports).toHaveLength(0);
    expect(await f.placement.db.selectFrom('allocations').selectAll().where('consumer_uuid', '=', id).execute()).toHaveLength(0);
    expect((await call('demo', 'DELETE', `/v2.1/servers/${id}`)).statusCode).toBe(204);
    await waitFor(id, ['DELETED']);
  });

  it('a driver failure reschedules to the other host, then ERROR; ports and claims are given back', async () => {
    const created = await boot({ name: 'explode-1' });
    const id = created.body.server.id as string;
    const server = await waitFor(id, ['ERROR', 'ACTIVE']);
    expect(server.status).toBe('ERROR');
    expect(server.fault.message).toBe(`Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${id}.`);
    const events = await f.svc.db.selectFrom('instance_action_events').innerJoin('instance_actions', 'instance_actions.id', 'instance_action_events.action_id')
      .select(['event', 'result', 'traceback']).where('instance_uuid', '=', id).where('event', '=', 'compute_build_and_run_instance').execute();
    expect(events.map((e) => e.result)).toEqual(['Error', 'Error']);
    expect(events[0]!.traceback).toContain('failure injected');
    const sysmeta = JSON.parse((await f.svc.db.selectFrom('instances').select('system_metadata').where('uuid', '=', id).executeTakeFirstOrThrow()).system_metadata);
    expect(JSON.parse(sysmeta.retry_hosts).sort()).toEqual(['host-1', 'host-2']);
    expect((await api(f.networkUrl, 'admin', 'GET', `/v2.0/ports?device_id=${id}`)).ports).toHaveLength(0);
    expect(await f.placement.db.selectFrom('allocations').selectAll().where('consumer_uuid', '=', id).execute()).toHaveLength(0);
    await call('demo', 'DELETE', `/v2.1/servers/${id}`);
    await waitFor(id, ['DELETED']);
  });

  it('lifecycle actions move through Nova\'s states; wrong states and locks answer 409; each step is an instance action', async () => {
    const id = (await boot({ name: 'life' })).body.server.id as string;
    await waitFor(id, ['ACTIVE']);
    const act = (body: unknown, who: 'demo' | 'admin' = 'demo', version?: string) => call(who, 'POST', `/v2.1/servers/${id}/action`, body, version);
    const step = async (body: unknown, status: string): Promise<void> => {
      const res = await act(body);
      expect(res.statusCode, res.body).toBeLessThan(300);
      expect((await waitFor(id, [status])).status).toBe(status);
    };
    await step({ pause: null }, 'PAUSED');
    const again = await act({ pause: null });
    expect(novaFault(again)).toEqual({ name: 'conflictingRequest', code: 409, message: `Cannot 'pause' instance ${id} while it is in vm_state paused` });
    await step({ unpause: null }, 'ACTIVE');
    await step({ 'os-stop': null }, 'SHUTOFF');
    expect((await waitFor(id, ['SHUTOFF']))['OS-EXT-STS:power_state']).toBe(4);
    const rebuilt = await act({ rebuild: { imageRef: imageId, name: 'life' } });
    expect(rebuilt.statusCode, rebuilt.body).toBe(202);
    expect(rebuilt.json().server).toMatchObject({ id, status: 'REBUILD' });
    expect((await waitFor(id, ['SHUTOFF', 'ACTIVE'])).status).toBe('SHUTOFF');
    await step({ 'os-start': null }, 'ACTIVE');
    await step({ reboot: { type: 'HARD' } }, 'ACTIVE');
    await step({ suspend: null }, 'SUSPENDED');
    await step({ resume: null }, 'ACTIVE');
    const rescued = await act({ rescue: null });
    expect(rescued.json().adminPass).toBeTruthy();
    expect((await waitFor(id, ['RESCUE'])).status).toBe('RESCUE');
    await step({ unrescue: null }, 'ACTIVE');
    const out = await act({ 'os-getConsoleOutput': { length: 3 } });
    expect(out.json().output).toMatch(/iid=.*\nlife login:\n$/);
    expect(out.json().output.split('\n')).toHaveLength(3);

    expect((await act({ lock: null })).statusCode).toBe(202);
    expect((await call('demo', 'GET', `/v2.1/servers/${id}`, undefined, '2.9')).json().server.locked).toBe(true);
    expect(novaFault(await act({ 'os-stop': null })).message).toBe(`Instance ${id} is locked`);
    expect((await call('demo', 'DELETE', `/v2.1/servers/${id}`)).statusCode).toBe(409);
    expect((await act({ unlock: null })).statusCode).toBe(202);

    const meta = await call('demo', 'PUT', `/v2.1/servers/${id}/metadata/color`, { meta: { color: 'blue' } });
    expect(meta.json()).toEqual({ meta: { color: 'blue' } });
    expect((await call('demo', 'GET', `/v2.1/servers/${id}/metadata`)).json()).toEqual({ metadata: { color: 'blue' } });
    expect((await call('demo', 'PUT', `/v2.1/servers/${id}/tags/blue`, undefined, '2.26')).statusCode).toBe(201);
    expect((await call('demo', 'GET', `/v2.1/servers/${id}/tags`, undefined, '2.26')).json()).toEqual({ tags: ['blue'] });
    expect((await call('demo', 'GET', '/v2.1/servers?tags=blue', undefined, '2.26')).json().servers.map((x: { id: string }) => x.id)).toEqual([id]);
    expect(Object.keys((await call('demo', 'GET', `/v2.1/servers/${id}/ips`)).json().addresses)).toEqual(['private']);

    const actions = (await call('demo', 'GET', `/v2.1/servers/${id}/os-instance-actions`)).json().instanceActions.map((a: { action: string }) => a.action);
    expect(actions.reverse()).toEqual(['create', 'pause', 'unpause', 'stop', 'rebuild', 'start', 'reboot', 'suspend', 'resume', 'rescue', 'unrescue', 'lock', 'unlock']);
    const create = (await call('demo', 'GET', `/v2.1/servers/${id}/os-instance-actions`)).json().instanceActions.at(-1);
    const detail = (await call('admin', 'GET', `/v2.1/servers/${id}/os-instance-actions/${create.request_id}`, undefined, '2.51')).json().instanceAction;
    expect(detail.events.map((e: { event: string; result: string }) => `${e.event}:${e.result}`)).toEqual(
      ['conductor_schedule_and_build_instances:Success', 'compute_build_and_run_instance:Success']);
    // Snapshots and backups: real images in the image service, rotated.
    const snap = await act({ createImage: { name: 'life-snap', metadata: { purpose: 'test' } } }, 'demo', '2.45');
    expect(snap.statusCode, snap.body).toBe(202);
    const imageOf = async (imgId: string): Promise<any> => {
      for (let i = 0; i < 200; i++) {
        const img = await api(f.imageUrl, 'demo', 'GET', `/v2/images/${imgId}`);
        if (img.status === 'active') return img;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('snapshot never became active');
    };
    expect(await imageOf(snap.json().image_id)).toMatchObject({ name: 'life-snap', size: 1048576, image_type: 'snapshot', instance_uuid: id, purpose: 'test' });
    await waitFor(id, ['ACTIVE']);
    for (const name of ['b1', 'b2']) {
      const b = await act({ createBackup: { name, backup_type: 'daily', rotation: 1 } }, 'demo', '2.45');
      await imageOf(b.json().image_id);
      for (let i = 0; i < 100 && (await call('demo', 'GET', `/v2.1/servers/${id}`)).json().server['OS-EXT-STS:task_state'] !== null; i++) await new Promise((r) => setTimeout(r, 20));
    }
    const backups = await api(f.imageUrl, 'demo', 'GET', `/v2/images?instance_uuid=${id}&image_type=backup`);
    expect(backups.images.map((i: { name: string }) => i.name)).toEqual(['b2']);
    await call('demo', 'DELETE', `/v2.1/servers/${id}`);
    await waitFor(id, ['DELETED']);
  });

  it('images proxy (2.1): Glance images the Nova way, properties as metadata', async () => {
    const list = (await call('admin', 'GET', '/v2.1/images/detail')).json().images;
    expect(list.find((x: { id: string }) => x.id === imageId)).toMatchObject({ name: 'cirros', status: 'ACTIVE', progress: 100, minRam: 0, 'OS-EXT-IMG-SIZE:size': 1024 });
    expect((await call('admin', 'PUT', `/v2.1/images/${imageId}/metadata/os_distro`, { meta: { os_distro: 'cirros' } })).json()).toEqual({ meta: { os_distro: 'cirros' } });
    expect((await call('admin', 'GET', `/v2.1/images/${imageId}/metadata`)).json().metadata).toEqual({ os_distro: 'cirros' });
    expect((await call('admin', 'DELETE', `/v2.1/images/${imageId}/metadata/os_distro`)).statusCode).toBe(204);
    expect((await call('admin', 'GET', `/v2.1/images/${imageId}/metadata/os_distro`)).statusCode).toBe(404);
    expect((await call('admin', 'GET', '/v2.1/images/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
    expect((await call('admin', 'GET', '/v2.1/images', undefined, '2.36')).statusCode).toBe(404);
  });

  it('50 parallel boots against an instances quota of 10 make exactly 10; the refused leave no ports or claims', async () => {
    const net = await api(f.networkUrl, 'alt', 'POST', '/v2.0/networks', { network: { name: 'alt-net' } });
    await api(f.networkUrl, 'alt', 'POST', '/v2.0/subnets', { subnet: { network_id: net.network.id, ip_version: 4, cidr: '10.2.0.0/24' } });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => boot({ name: `race-${i}`, networks: [{ uuid: net.network.id }] }, 'alt')));
    const accepted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status === 403);
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(40);
    expect(refused[0]!.body.forbidden.message).toBe('Quota exceeded for instances: Requested 1, but already used 10 of 10 instances');
    const ids = accepted.map((r) => r.body.server.id as string);
    for (const id of ids) expect((await waitFor(id, ['ACTIVE', 'ERROR'], 'admin')).status).toBe('ACTIVE');
    expect((await api(f.networkUrl, 'admin', 'GET', `/v2.0/ports?network_id=${net.network.id}&device_owner=compute:nova`)).ports).toHaveLength(10);
    const claims = await f.placement.db.selectFrom('allocations').select('consumer_uuid').distinct().execute();
    expect(claims.map((c) => c.consumer_uuid).sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await call('alt', 'DELETE', `/v2.1/servers/${id}`)).statusCode).toBe(204);
    for (const id of ids) await waitFor(id, ['DELETED'], 'admin');
    expect((await api(f.networkUrl, 'admin', 'GET', `/v2.0/ports?network_id=${net.network.id}&device_owner=compute:nova`)).ports).toHaveLength(0);
  }, 60_000);
});
