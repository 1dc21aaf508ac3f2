import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootBasics, bootServer, makeFlavor, computeCaller, computeFixture, novaFault, restCall, waitForServer, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
let imageId: string;
let networkId: string;
let flavor: string;
const call = computeCaller(() => f);

beforeAll(async () => {
  f = await computeFixture({ hosts: ['host-1'] });
  ({ imageId, networkId } = await bootBasics(f, '10.8.0.0/24'));
  flavor = await makeFlavor(call, 'ex.small', { ram: 256, vcpus: 1, disk: 1 });
}, 60_000);
afterAll(async () => { await f.close(); });

const bootActive = (name: string): Promise<any> => bootServer(call, { imageId, networkId, flavorId: flavor }, name);

describe('compute: consoles, passwords, interfaces', () => {
  it('console url show: a noVNC URL with a one-time token an admin can look up; other types are unavailable', async () => {
    const s = await bootActive('screen');
    const res = await call('demo', 'POST', `/v2.1/servers/${s.id}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'novnc' } }, '2.6');
    expect(res.statusCode, res.body).toBe(200);
    const { url } = res.json().remote_console;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:6080\/vnc_auto\.html\?path=%3Ftoken%3D[0-9a-f-]{36}$/);
    const token = decodeURIComponent(new URL(url).searchParams.get('path')!).replace('?token=', '');
    const looked = await call('admin', 'GET', `/v2.1/os-console-auth-tokens/${token}`, undefined, '2.31');
    expect(looked.json().console).toMatchObject({ instance_uuid: s.id, host: '127.0.0.1', port: 5900 });
    expect((await call('admin', 'GET', '/v2.1/os-console-auth-tokens/nope', undefined, '2.31')).statusCode).toBe(404);
    expect((await call('demo', 'GET', `/v2.1/os-console-auth-tokens/${token}`, undefined, '2.31')).statusCode).toBe(403);
    const spice = await call('demo', 'POST', `/v2.1/servers/${s.id}/remote-consoles`, { remote_console: { protocol: 'spice', type: 'spice-html5' } }, '2.6');
    expect(spice.statusCode).toBe(400);
    const legacy = await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { 'os-getVNCConsole': { type: 'novnc' } });
    expect(legacy.json().console.url).toContain('vnc_auto.html?path=');
    const mismatched = await call('demo', 'POST', `/v2.1/servers/${s.id}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'serial' } }, '2.6');
    expect(mismatched.statusCode).toBe(400);
    expect(novaFault(mismatched).message).toBe('Invalid console type serial');
  });

  it('trigger_crash_dump (2.17): the guest gets an NMI, recorded as an action; 409 when it is not running, 400 before 2.17', async () => {
    const s = await bootActive('dumper');
    const dump = (version: string) => call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { trigger_crash_dump: null }, version);
    expect(novaFault(await dump('2.16')).message).toBe('There is no such action: trigger_crash_dump');
    expect((await dump('2.17')).statusCode).toBe(202);
    const events = async () => {
      const actions = (await call('demo', 'GET', `/v2.1/servers/${s.id}/os-instance-actions`, undefined, '2.51')).json().instanceActions;
      const mine = actions.find((a: any) => a.action === 'trigger_crash_dump');
      return (await call('demo', 'GET', `/v2.1/servers/${s.id}/os-instance-actions/${mine.request_id}`, undefined, '2.51')).json().instanceAction.events;
    };
    await expect.poll(events).toEqual([expect.objectContaining({ event: 'compute_trigger_crash_dump', result: 'Success' })]);
    const log = (await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { 'os-getConsoleOutput': { length: 2 } })).json().output;
    expect(log).toContain('NMI received');
    await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { 'os-stop': null });
    await waitForServer(call, s.id, ['SHUTOFF']);
    const stopped = await dump('2.17');
    expect(novaFault(stopped)).toMatchObject({ code: 409, message: `Cannot 'trigger_crash_dump' instance ${s.id} while it is in vm_state stopped` });
    const bad = await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { trigger_crash_dump: { now: true } }, '2.17');
    expect(bad.statusCode).toBe(400);
    await call('demo', 'DELETE', `/v2.1/servers/${s.id}`); // the fixture's project holds 10 instances
  });

  it('injectNetworkInfo is an admin no-op (202); resetNetwork and the APIs Nova removed answer 410', async () => {
    const s = await bootActive('injected');
    const act = (who: 'demo' | 'admin', body: unknown) => call(who, 'POST', `/v2.1/servers/${s.id}/action`, body);
    expect((await act('admin', { injectNetworkInfo: null })).statusCode).toBe(202);
    expect((await act('demo', { injectNetworkInfo: null })).statusCode).toBe(403);
    expect(novaFault(await act('admin', { resetNetwork: null }))).toEqual({ name: 'computeFault', code: 410, message: 'This resource is no longer available.  No forwarding address is given.' });
    expect((await call('admin', 'GET', '/v2.1/os-agents')).statusCode).toBe(410);
    expect((await call('admin', 'POST', '/v2.1/os-fixed-ips/10.0.0.3/action', { reserve: null })).statusCode).toBe(410);
    expect((await f.app.inject({ method: 'GET', url: '/v2.1/os-cells' })).statusCode).toBe(401);
    await call('demo', 'DELETE', `/v2.1/servers/${s.id}`); // the fixture's project holds 10 instances
  });

  it('changePassword on an ACTIVE server; 409 when it is stopped', async () => {
    const s = await bootActive('secret');
    const ok = await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { changePassword: { adminPass: 'n3w-pass' } });
    expect(ok.statusCode, ok.body).toBe(202);
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}`)).json().server.status).toBe('ACTIVE');
    await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { 'os-stop': null });
    await waitForServer(call, s.id, ['SHUTOFF']);
    const stopped = await call('demo', 'POST', `/v2.1/servers/${s.id}/action`, { changePassword: { adminPass: 'x' } });
    expect(stopped.statusCode).toBe(409);
    expect(novaFault(stopped).message).toContain("Cannot 'changePassword' instance");
  });

  it('attaches a port on a network with a chosen address, lists and shows it, detaches it (and deletes the port it made)', async () => {
    const s = await bootActive('multi-nic');
    const other = await restCall(f.networkUrl, 'demo', 'POST', '/v2.0/networks', { network: { name: 'second' } });
    await restCall(f.networkUrl, 'demo', 'POST', '/v2.0/subnets', { subnet: { network_id: other.network.id, ip_version: 4, cidr: '10.9.0.0/24' } });
    const both = await call('demo', 'POST', `/v2.1/servers/${s.id}/os-interface`, { interfaceAttachment: { port_id: s.id, net_id: other.network.id } });
    expect(novaFault(both).message).toBe('Must not input both network_id and port_id');
    const res = await call('demo', 'POST', `/v2.1/servers/${s.id}/os-interface`, { interfaceAttachment: { net_id: other.network.id, fixed_ips: [{ ip_address: '10.9.0.50' }] } });
    expect(res.statusCode, res.body).toBe(200);
    const attached = res.json().interfaceAttachment;
    expect(attached).toMatchObject({ net_id: other.network.id, fixed_ips: [{ ip_address: '10.9.0.50' }] });
    const taken = await call('demo', 'POST', `/v2.1/servers/${s.id}/os-interface`, { interfaceAttachment: { net_id: other.network.id, fixed_ips: [{ ip_address: '10.9.0.50' }] } });
    expect(taken.statusCode).toBe(409);
    const list = (await call('demo', 'GET', `/v2.1/servers/${s.id}/os-interface`, undefined, '2.70')).json().interfaceAttachments;
    expect(list).toHaveLength(2);
    expect(list[0]).toHaveProperty('tag');
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}/os-interface/${attached.port_id}`)).json().interfaceAttachment.port_id).toBe(attached.port_id);
    const server = (await call('demo', 'GET', `/v2.1/servers/${s.id}`)).json().server;
    expect(server.addresses.second[0].addr).toBe('10.9.0.50');
    expect((await call('demo', 'DELETE', `/v2.1/servers/${s.id}/os-interface/${attached.port_id}`)).statusCode).toBe(202);
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}/os-interface`)).json().interfaceAttachments).toHaveLength(1);
    const gone = await fetch(`${f.networkUrl}/v2.0/ports/${attached.port_id}`, { headers: { 'x-auth-token': 'admin' } });
    expect(gone.status).toBe(404);
    expect((await call('demo', 'DELETE', `/v2.1/servers/${s.id}/os-interface/${attached.port_id}`)).statusCode).toBe(404);
  });
});

describe('compute: external events and the server password', () => {
  it('delivers network-vif-plugged to the host (200), 404 for unknown servers, 207 when mixed; admins only', async () => {
    const s = await bootActive('evented');
    const one = { name: 'network-vif-plugged', server_uuid: s.id, tag: 'some-port' };
    expect((await call('demo', 'POST', '/v2.1/os-server-external-events', { events: [one] })).statusCode).toBe(403);
    const ok = await call('admin', 'POST', '/v2.1/os-server-external-events', { events: [one] });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().events[0]).toMatchObject({ code: 200, status: 'completed', tag: 'some-port' });
    const waiting = f.agents[0]!.events.prepare(s.id, 'network-vif-plugged', 'port-x');
    const mixed = await call('admin', 'POST', '/v2.1/os-server-external-events', {
      events: [{ name: 'network-vif-plugged', server_uuid: s.id, tag: 'port-x', status: 'failed' }, { name: 'network-changed', server_uuid: '00000000-0000-0000-0000-000000000000' }],
    });
    expect(mixed.statusCode).toBe(207);
    expect(mixed.json().events.map((e: any) => e.code)).toEqual([200, 404]);
    expect(await waiting).toBe('failed');
    expect((await call('admin', 'POST', '/v2.1/os-server-external-events', { events: [{ name: 'network-changed', server_uuid: 'nope' }] })).statusCode).toBe(404);
    expect((await call('admin', 'POST', '/v2.1/os-server-external-events', { events: [{ ...one, name: 'volume-extended' }] }, '2.50')).statusCode).toBe(400);
  });

  it('network-changed reads the server\'s floating IPs again, so one associated through the network API shows in its addresses', async () => {
    const s = await bootActive('fip-evented');
    const net = (path: string, method = 'GET', body?: unknown, who = 'admin') => restCall(f.networkUrl, who, method, path, body);
    const pub = (await net('/v2.0/networks', 'POST', { network: { name: 'pub-evented', 'router:external': true } })).network;
    await net('/v2.0/subnets', 'POST', { subnet: { network_id: pub.id, ip_version: 4, cidr: '172.30.9.0/24', enable_dhcp: false } });
    const subnet = (await net(`/v2.0/subnets?network_id=${networkId}`)).subnets[0];
    const router = (await net('/v2.0/routers', 'POST', { router: { name: 'r-evented', external_gateway_info: { network_id: pub.id } } }, 'demo')).router;
    await net(`/v2.0/routers/${router.id}/add_router_interface`, 'PUT', { subnet_id: subnet.id }, 'demo');
    const port = (await net(`/v2.0/ports?device_id=${s.id}`)).ports[0];
    const fip = (await net('/v2.0/floatingips', 'POST', { floatingip: { floating_network_id: pub.id, port_id: port.id } }, 'demo')).floatingip;
    const floating = async (): Promise<string[]> => Object.values((await call('demo', 'GET', `/v2.1/servers/${s.id}`)).json().server.addresses).flat()
      .filter((a: any) => a['OS-EXT-IPS:type'] === 'floating').map((a: any) => a.addr);
    expect(await floating()).toEqual([]);
    const changed = { events: [{ name: 'network-changed', server_uuid: s.id, tag: port.id }] };
    expect((await call('admin', 'POST', '/v2.1/os-server-external-events', changed)).statusCode).toBe(200);
    expect(await floating()).toEqual([fip.floating_ip_address]);
    await net(`/v2.0/floatingips/${fip.id}`, 'PUT', { floatingip: { port_id: null } }, 'demo');
    expect((await call('admin', 'POST', '/v2.1/os-server-external-events', changed)).statusCode).toBe(200);
    expect(await floating()).toEqual([]);    await call('demo', 'DELETE', `/v2.1/servers/${s.id}`);
    await waitForServer(call, s.id, ['DELETED']);
  });

  it('os-server-password shows what the guest stored and clears it', async () => {
    const s = await bootActive('pw');
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}/os-server-password`)).json()).toEqual({ password: '' });
    const { storePassword } = await import('../metadata/password.js');
    expect(await storePassword(f.svc, s.id, 'ZW5jcnlwdGVk')).toBe('stored');
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}/os-server-password`)).json()).toEqual({ password: 'ZW5jcnlwdGVk' });
    expect((await call('demo', 'DELETE', `/v2.1/servers/${s.id}/os-server-password`)).statusCode).toBe(204);
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}/os-server-password`)).json()).toEqual({ password: '' });
  });
});

describe('compute: disk config, diagnostics, hosts, extensions, usage audit', () => {
  it('keeps OS-DCF:diskConfig from create, update, rebuild and resize (absent on resize means MANUAL)', async () => {
    const res = await call('demo', 'POST', '/v2.1/servers', { server: { name: 'dcf', imageRef: imageId, flavorRef: flavor, networks: 'none', 'OS-DCF:diskConfig': 'AUTO' } }, '2.37');
    expect(res.json().server['OS-DCF:diskConfig']).toBe('AUTO');
    const id = res.json().server.id;
    expect((await waitForServer(call, id, ['ACTIVE']))['OS-DCF:diskConfig']).toBe('AUTO');
    const updated = await call('demo', 'PUT', `/v2.1/servers/${id}`, { server: { 'OS-DCF:diskConfig': 'MANUAL' } });
    expect(updated.json().server['OS-DCF:diskConfig']).toBe('MANUAL');
    const rebuilt = await call('demo', 'POST', `/v2.1/servers/${id}/action`, { rebuild: { imageRef: imageId, 'OS-DCF:diskConfig': 'AUTO' } });
    expect(rebuilt.json().server['OS-DCF:diskConfig']).toBe('AUTO');
    expect((await call('demo', 'PUT', `/v2.1/servers/${id}`, { server: { 'OS-DCF:diskConfig': 'SOMETIMES' } })).statusCode).toBe(400);
  });

  it('diagnostics in the standard (2.48) and libvirt forms, admins only', async () => {
    const s = await bootActive('diag');
    expect((await call('demo', 'GET', `/v2.1/servers/${s.id}/diagnostics`, undefined, '2.48')).statusCode).toBe(403);
    const d = (await call('admin', 'GET', `/v2.1/servers/${s.id}/diagnostics`, undefined, '2.48')).json();
    expect(d).toMatchObject({ state: 'running', driver: 'libvirt', num_cpus: 1, num_nics: 1, memory_details: { maximum: 256 } });
    expect(d.nic_details[0].mac_address).toMatch(/^[0-9a-f:]{17}$/);
    const legacy = (await call('admin', 'GET', `/v2.1/servers/${s.id}/diagnostics`)).json();
    expect(legacy).toHaveProperty('cpu0_time');
    expect(legacy.memory).toBe(256 * 1024);
  });

  it('a rebuilt guest keeps its config drive (the driver is asked for one again)', async () => {
    const res = await call('demo', 'POST', '/v2.1/servers', { server: { name: 'cd', imageRef: imageId, flavorRef: flavor, networks: 'none', config_drive: true } }, '2.37');
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().server.id;
    await waitForServer(call, id, ['ACTIVE']);
    const configDrive = async (): Promise<unknown> => (await call('admin', 'GET', `/v2.1/servers/${id}/diagnostics`, undefined, '2.48')).json().config_drive;
    expect(await configDrive()).toBe(true);
    expect((await call('demo', 'POST', `/v2.1/servers/${id}/action`, { rebuild: { imageRef: imageId } })).statusCode).toBe(202);
    await waitForServer(call, id, ['ACTIVE']);
    expect(await configDrive()).toBe(true);    await call('demo', 'DELETE', `/v2.1/servers/${id}`);
    await waitForServer(call, id, ['DELETED']);
  });

  it('os-hosts lists services with zones, shows a host\'s resources, enables and disables it; power actions are 501', async () => {
    const hosts = (await call('admin', 'GET', '/v2.1/os-hosts')).json().hosts;
    expect(hosts).toEqual(expect.arrayContaining([{ host_name: 'host-1', service: 'compute', zone: 'nova' }, { host_name: 'controller', service: 'scheduler', zone: 'internal' }]));
    expect((await call('admin', 'GET', '/v2.1/os-hosts?zone=internal')).json().hosts.every((h: any) => h.zone === 'internal')).toBe(true);
    expect((await call('demo', 'GET', '/v2.1/os-hosts')).statusCode).toBe(403);
    const shown = (await call('admin', 'GET', '/v2.1/os-hosts/host-1')).json().host.map((r: any) => r.resource);
    expect(shown[0]).toMatchObject({ host: 'host-1', project: '(total)', cpu: 8, memory_mb: 16384 });
    expect(shown.map((r: any) => r.project)).toEqual(expect.arrayContaining(['(used_now)', '(used_max)', 'p-demo']));
    expect((await call('admin', 'GET', '/v2.1/os-hosts/nowhere')).statusCode).toBe(404);
    expect((await call('admin', 'PUT', '/v2.1/os-hosts/host-1', { status: 'disable' })).json()).toEqual({ host: 'host-1', status: 'disabled' });
    expect((await call('admin', 'GET', '/v2.1/os-services?binary=nova-compute')).json().services[0].status).toBe('disabled');
    expect((await call('admin', 'PUT', '/v2.1/os-hosts/host-1', { status: 'enable' })).json().status).toBe('enabled');
    expect((await call('admin', 'PUT', '/v2.1/os-hosts/host-1', {})).statusCode).toBe(400);
    expect((await call('admin', 'GET', '/v2.1/os-hosts/host-1/reboot')).statusCode).toBe(501);
    expect((await call('admin', 'GET', '/v2.1/os-hosts', undefined, '2.43')).statusCode).toBe(404);
  });

  it('lists Nova\'s extensions and the usage audit (audit off: every compute host not run)', async () => {
    const ext = (await call('demo', 'GET', '/v2.1/extensions')).json().extensions;
    expect(ext.length).toBeGreaterThan(90);
    expect((await call('demo', 'GET', '/v2.1/extensions/OS-DCF')).json().extension.name).toBe('DiskConfig');
    expect((await call('demo', 'GET', '/v2.1/extensions/NOPE')).statusCode).toBe(404);
    const audit = (await call('admin', 'GET', '/v2.1/os-instance_usage_audit_log/2026-03-15 10:00:00')).json().instance_usage_audit_log;
    expect(audit).toMatchObject({ period_beginning: '2026-02-01 00:00:00', period_ending: '2026-03-01 00:00:00', num_hosts: 1, hosts_not_run: ['host-1'], overall_status: '0 of 1 hosts done. 0 errors.' });
    expect((await call('admin', 'GET', '/v2.1/os-instance_usage_audit_log/yesterday')).statusCode).toBe(400);
  });
});

describe('compute: personality (injected files)', () => {
  it('keeps base64 files within the injected_files quotas, refuses the rest; gone at 2.57', async () => {
    const boot = (personality: unknown, version = '2.1') => call('demo', 'POST', '/v2.1/servers', { server: { name: 'files', imageRef: imageId, flavorRef: flavor, networks: [{ uuid: networkId }], personality } }, version);
    const file = (i: number) => ({ path: `/etc/f${i}`, contents: Buffer.from(`file ${i}`).toString('base64') });
    const six = await boot([1, 2, 3, 4, 5, 6].map(file));
    expect(six.statusCode).toBe(403);
    expect(novaFault(six).message).toBe('Personality file limit exceeded');
    const bad = await boot([{ path: '/etc/x', contents: 'not base64!' }]);
    expect(bad.statusCode).toBe(400);
    expect(novaFault(bad).message).toBe('Personality content for /etc/x cannot be decoded');
    expect((await boot([file(1)], '2.57')).statusCode).toBe(400);
    const ok = await boot([file(1)]);
    expect(ok.statusCode, ok.body).toBe(202);
    const row = await f.svc.db.selectFrom('instances').select('system_metadata').where('uuid', '=', ok.json().server.id).executeTakeFirstOrThrow();
    expect(JSON.parse(JSON.parse(row.system_metadata).injected_files)).toEqual([file(1)]);
  });
});

describe('compute: block_device_mapping_v2', () => {
  it('boots from an image-to-local boot device without imageRef; volume devices are refused until block storage exists', async () => {
    const bdm = [{ source_type: 'image', destination_type: 'local', uuid: imageId, boot_index: 0 }, { source_type: 'blank', destination_type: 'local', boot_index: -1, volume_size: 1 }];
    const res = await call('demo', 'POST', '/v2.1/servers', { server: { name: 'bdm', flavorRef: flavor, networks: 'none', block_device_mapping_v2: bdm } }, '2.37');
    expect(res.statusCode, res.body).toBe(202);
    const s = await waitForServer(call, res.json().server.id, ['ACTIVE', 'ERROR']);
    expect(s).toMatchObject({ status: 'ACTIVE', image: { id: imageId } });
    const volume = await call('demo', 'POST', '/v2.1/servers', {
      server: { name: 'bfv', flavorRef: flavor, networks: 'none', block_device_mapping_v2: [{ source_type: 'image', destination_type: 'volume', uuid: imageId, boot_index: 0, volume_size: 1 }] },
    }, '2.37');
    expect(volume.statusCode).toBe(400);
    expect(novaFault(volume).message).toContain('Block Device Mapping is Invalid');
    const none = await call('demo', 'POST', '/v2.1/servers', { server: { name: 'nothing', flavorRef: flavor, networks: 'none' } }, '2.37');
    expect(novaFault(none).message).toBe('Missing imageRef attribute');
  });
});
