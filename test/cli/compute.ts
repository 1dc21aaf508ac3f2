/**
 * The compute part of the `cli` tier: the seeds' Nova commands through the official
 * `openstack` CLI (flavors, key pairs, servers and their lifecycle on the fake driver,
 * console log, security groups, services, hypervisors, zones, quotas, usage) and the
 * legacy `nova` client (boot, list, show, flavor-list, hypervisor-list).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cloud } from '../lib/cloud.js';
import { LegacyCli, NovaCli } from './glance.js';
import { CaseRecorder, type CaseTotals, check, checkEqual, OpenStackCli } from './osc.js';

type Row = Record<string, unknown>;

export async function runComputeCli(cloud: Cloud, opts: { verbose: boolean }): Promise<CaseTotals> {
  const os = new OpenStackCli(cloud);
  const rec = new CaseRecorder(opts.verbose);
  const demo = { cloud: 'stratus-demo' };
  const dir = mkdtempSync(join(tmpdir(), 'stratus-cli-compute-'));
  const status = async (name: string, cloudName = 'stratus-demo'): Promise<string> => String((await os.json(['server', 'show', name], { cloud: cloudName })).status);
  const waitStatus = async (name: string, wanted: string): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      if ((await status(name)) === wanted) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    check(false, `server ${name} never became ${wanted} (is ${await status(name)})`);
  };
  try {
    await rec.case('flavor create m1.tiny (admin) and flavor list (demo)', async () => {
      const f = await os.json(['flavor', 'create', '--ram', '512', '--disk', '1', '--vcpus', '1', 'm1.tiny']);
      checkEqual([f.name, f.ram, f.disk, f.vcpus, f['os-flavor-access:is_public']], ['m1.tiny', 512, 1, 1, true], 'flavor');
      const rows = await os.json<Row[]>(['flavor', 'list'], demo);
      check(rows.some((r) => r.Name === 'm1.tiny'), 'm1.tiny not listed for demo');
      await os.fails(['flavor', 'create', '--ram', '512', '--disk', '1', '--vcpus', '1', 'not-allowed'], demo);
    });
    await rec.case('keypair create (generated) and keypair create --public-key', async () => {
      const gen = await os.ok(['keypair', 'create', 'mykey'], demo);
      check(gen.stdout.includes('PRIVATE KEY'), 'no private key printed');
      writeFileSync(join(dir, 'key.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPJ1hLoQ4pJ3nqSk6z6o7mXp3Xz0d8xO9yT8s1H7qK cli@test\n');
      const imported = await os.json(['keypair', 'create', '--public-key', join(dir, 'key.pub'), 'imported'], demo);
      check(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/.test(String(imported.fingerprint)), `fingerprint ${String(imported.fingerprint)}`);
      checkEqual((await os.json<Row[]>(['keypair', 'list'], demo)).map((r) => r.Name).sort(), ['imported', 'mykey'], 'keypairs');
    });
    await rec.case('server create --image --flavor --key-name --security-group --network --user-data --wait', async () => {
      writeFileSync(join(dir, 'disk.raw'), Buffer.alloc(1024 * 1024));
      await os.ok(['image', 'create', '--file', join(dir, 'disk.raw'), '--disk-format', 'raw', '--container-format', 'bare', '--public', 'cli-cirros']);
      await os.ok(['network', 'create', 'cli-compute-net'], demo);
      await os.ok(['subnet', 'create', '--network', 'cli-compute-net', '--subnet-range', '10.20.0.0/24', 'cli-compute-sub'], demo);
      writeFileSync(join(dir, 'user-data.sh'), '#!/bin/sh\necho hello\n');
      const s = await os.json(['server', 'create', '--image', 'cli-cirros', '--flavor', 'm1.tiny', '--key-name', 'mykey', '--security-group', 'default',
        '--network', 'cli-compute-net', '--user-data', join(dir, 'user-data.sh'), '--wait', 'vm1'], demo);
      checkEqual([s.status, s.key_name, s.security_groups], ['ACTIVE', 'mykey', [{ name: 'default' }]], 'created server');
      check(JSON.stringify(s.addresses).includes('10.20.0.'), `addresses ${JSON.stringify(s.addresses)}`);
      const rows = await os.json<Row[]>(['server', 'list'], demo);
      checkEqual(rows.map((r) => [r.Name, r.Status]), [['vm1', 'ACTIVE']], 'server list');
    });
    await rec.case('server pause / unpause / suspend / resume / stop / start / reboot --hard', async () => {
      for (const [action, wanted] of [['pause', 'PAUSED'], ['unpause', 'ACTIVE'], ['suspend', 'SUSPENDED'], ['resume', 'ACTIVE'], ['stop', 'SHUTOFF'], ['start', 'ACTIVE']] as const) {
        await os.ok(['server', action, 'vm1'], demo);
        await waitStatus('vm1', wanted);
      }
      await os.ok(['server', 'reboot', '--hard', '--wait', 'vm1'], demo);
      await os.ok(['server', 'reboot', '--wait', 'vm1'], demo);
      checkEqual(await status('vm1'), 'ACTIVE', 'after reboots');
      const paused = await os.run(['server', 'unpause', 'vm1'], demo);
      check(paused.code !== 0 && paused.stderr.includes("Cannot 'unpause' instance"), `unpause of an active server: ${paused.stderr}`);
    });
    await rec.case('server rescue / unrescue, lock / unlock', async () => {
      await os.ok(['server', 'rescue', 'vm1'], demo);
      await waitStatus('vm1', 'RESCUE');
      await os.ok(['server', 'unrescue', 'vm1'], demo);
      await waitStatus('vm1', 'ACTIVE');
      await os.ok(['server', 'lock', 'vm1'], demo);
      const locked = await os.run(['server', 'stop', 'vm1'], demo);
      check(locked.code !== 0 && locked.stderr.includes('is locked'), `stop of a locked server: ${locked.stderr}`);
      await os.ok(['server', 'unlock', 'vm1'], demo);
    });
    await rec.case('console log show --lines', async () => {
      const r = await os.ok(['console', 'log', 'show', '--lines', '2', 'vm1'], demo);
      checkEqual(r.stdout.trim(), 'vm1 login:', 'last console line');
      const all = await os.ok(['console', 'log', 'show', 'vm1'], demo);
      check(all.stdout.includes('Linux version') && all.stdout.split('\n').length > 10, `full console log: ${all.stdout}`);
    });
    await rec.case('server dump create (trigger_crash_dump, 2.17): the guest logs the NMI', async () => {
      await os.ok(['--os-compute-api-version', '2.17', 'server', 'dump', 'create', 'vm1'], demo);
      const deadline = Date.now() + 10_000;
      let log = '';
      while (!log.includes('NMI received') && Date.now() < deadline) log = (await os.ok(['console', 'log', 'show', '--lines', '3', 'vm1'], demo)).stdout;
      check(log.includes('NMI received'), `console after the dump: ${log}`);
    });
    await rec.case('server add / remove security group', async () => {
      // A name of its own: the network suite leaves a "web" group in the demo project.
      await os.ok(['security', 'group', 'create', 'cli-compute-web'], demo);
      await os.ok(['server', 'add', 'security', 'group', 'vm1', 'cli-compute-web'], demo);
      const names = ((await os.json(['server', 'show', 'vm1'], demo)).security_groups as Row[]).map((g) => g.name).sort();
      checkEqual(names, ['cli-compute-web', 'default'], 'groups after add');
      await os.ok(['server', 'remove', 'security', 'group', 'vm1', 'cli-compute-web'], demo);
      checkEqual(((await os.json(['server', 'show', 'vm1'], demo)).security_groups as Row[]).map((g) => g.name), ['default'], 'groups after remove');
    });
    await rec.case('availability zone list, hypervisor list / stats, compute service list / set --disable', async () => {
      const zones = await os.json<Row[]>(['availability', 'zone', 'list', '--compute'], demo);
      check(zones.some((z) => z['Zone Name'] === 'nova' && z['Zone Status'] === 'available'), `zones ${JSON.stringify(zones)}`);
      const hypervisors = await os.json<Row[]>(['hypervisor', 'list']);
      checkEqual(hypervisors.map((h) => h['Hypervisor Type']), ['fake'], 'hypervisors');
      const stats = await os.json(['hypervisor', 'stats', 'show']);
      checkEqual([stats.count, stats.running_vms], [1, 0], 'hypervisor stats');
      const services = await os.json<Row[]>(['compute', 'service', 'list']);
      checkEqual(services.map((s) => s.Binary).sort(), ['nova-compute', 'nova-conductor', 'nova-scheduler'], 'services');
      const compute = services.find((s) => s.Binary === 'nova-compute')!;
      await os.ok(['compute', 'service', 'set', '--disable', '--disable-reason', 'maintenance', String(compute.Host), 'nova-compute']);
      const after = (await os.json<Row[]>(['compute', 'service', 'list', '--long'])).find((s) => s.Binary === 'nova-compute')!;
      checkEqual([after.Status, after['Disabled Reason']], ['disabled', 'maintenance'], 'disabled service');
      // OSC 6.0 exits 0 after "Error creating server" (a bare SystemExit), so the message is the signal.
      const refused = await os.run(['server', 'create', '--image', 'cli-cirros', '--flavor', 'm1.tiny', '--network', 'cli-compute-net', '--wait', 'nowhere'], demo);
      check(refused.stderr.includes('Error creating server'), `boot onto a disabled host: ${refused.stderr}`);
      const fault = (await os.json(['server', 'show', 'nowhere'], demo)).fault as Row;
      checkEqual(fault?.message, 'No valid host was found. There are not enough hosts available.', 'fault');
      await os.ok(['compute', 'service', 'set', '--enable', String(compute.Host), 'nova-compute']);
      await os.ok(['server', 'delete', '--wait', 'nowhere'], demo);
    });
    await rec.case('quota show / set --instances, then a boot over quota fails', async () => {
      const project = String((await os.json(['project', 'show', 'demo'])).id);
      await os.ok(['quota', 'set', '--instances', '1', project]);
      const q = await os.json(['quota', 'show', project]);
      checkEqual(q.instances, 1, 'instances quota');
      const over = await os.run(['server', 'create', '--image', 'cli-cirros', '--flavor', 'm1.tiny', '--network', 'cli-compute-net', 'vm2'], demo);
      check(over.code !== 0 && over.stderr.includes('Quota exceeded for instances'), `boot over quota: ${over.stderr}`);
      await os.ok(['quota', 'set', '--instances', '10', project]);
    });
    await rec.case('usage list (admin) and usage show (demo)', async () => {
      const rows = await os.json<Row[]>(['usage', 'list']);
      const project = String((await os.json(['project', 'show', 'demo'])).id);
      const servers = (r: Row): number => (Array.isArray(r.Servers) ? r.Servers.length : Number(r.Servers));
      check(rows.some((r) => (r.Project === 'demo' || r.Project === project) && servers(r) >= 1), `usage ${JSON.stringify(rows)}`);
      await os.ok(['usage', 'show'], demo);
    });
    await rec.case('server image create --wait makes a real image', async () => {
      const img = await os.json(['server', 'image', 'create', '--name', 'vm1-snap', '--wait', 'vm1'], demo);
      const shown = await os.json(['image', 'show', String(img.id)], demo);
      checkEqual([shown.status, shown.size, (shown.properties as Row).image_type], ['active', 1048576, 'snapshot'], 'snapshot image');
      await os.ok(['image', 'delete', String(img.id)], demo);
    });
    await rec.case('server rebuild --image keeps the server and its address', async () => {
      const before = await os.json(['server', 'show', 'vm1'], demo);
      await os.ok(['server', 'rebuild', '--image', 'cli-cirros', '--wait', 'vm1'], demo);
      const after = await os.json(['server', 'show', 'vm1'], demo);
      checkEqual([after.status, after.id, JSON.stringify(after.addresses)], ['ACTIVE', before.id, JSON.stringify(before.addresses)], 'rebuilt server');
    });
    await rec.case('server resize --flavor, then resize confirm; again and resize revert', async () => {
      await os.ok(['flavor', 'create', '--ram', '1024', '--disk', '2', '--vcpus', '2', 'm1.small']);
      await os.ok(['server', 'resize', '--flavor', 'm1.small', '--wait', 'vm1'], demo);
      checkEqual(await status('vm1'), 'VERIFY_RESIZE', 'after resize');
      await os.ok(['server', 'resize', 'confirm', 'vm1'], demo);
      await waitStatus('vm1', 'ACTIVE');
      checkEqual(((await os.json(['server', 'show', 'vm1'], demo)).flavor as string).startsWith('m1.small'), true, 'flavor after confirm');
      await os.ok(['server', 'resize', '--flavor', 'm1.tiny', '--wait', 'vm1'], demo);
      await os.ok(['server', 'resize', 'revert', 'vm1'], demo);
      await waitStatus('vm1', 'ACTIVE');
      checkEqual(((await os.json(['server', 'show', 'vm1'], demo)).flavor as string).startsWith('m1.small'), true, 'flavor after revert');
      const same = await os.run(['server', 'resize', '--flavor', 'm1.small', 'vm1'], demo);
      check(same.code !== 0 && same.stderr.includes('must change flavor'), `resize to the same flavor: ${same.stderr}`);
    });
    await rec.case('server shelve (offloaded at once) and unshelve', async () => {
      await os.ok(['server', 'shelve', 'vm1'], demo);
      await waitStatus('vm1', 'SHELVED_OFFLOADED');
      const images = await os.json<Row[]>(['image', 'list', '--name', 'vm1-shelved'], demo);
      checkEqual(images.length, 1, 'shelved image');
      await os.ok(['server', 'unshelve', 'vm1'], demo);
      await waitStatus('vm1', 'ACTIVE');
      checkEqual((await os.json<Row[]>(['image', 'list', '--name', 'vm1-shelved'], demo)).length, 0, 'shelved image after unshelve');
    });
    await rec.case('console url show gives a noVNC URL with a token', async () => {
      const url = await os.json(['console', 'url', 'show', 'vm1'], demo);
      check(/vnc_auto\.html\?path=%3Ftoken%3D[0-9a-f-]{36}$/.test(String(url.url)), `console url ${JSON.stringify(url)}`);
      checkEqual(url.type, 'novnc', 'console type');
    });
    await rec.case('server group create --policy anti-affinity: members never share a host', async () => {
      const g = await os.json(['server', 'group', 'create', '--policy', 'anti-affinity', 'spread'], demo);
      await os.ok(['server', 'create', '--image', 'cli-cirros', '--flavor', 'm1.tiny', '--network', 'cli-compute-net', '--hint', `group=${String(g.id)}`, '--wait', 'g1'], demo);
      // The cloud has one compute host: a second member has nowhere to go.
      const second = await os.run(['server', 'create', '--image', 'cli-cirros', '--flavor', 'm1.tiny', '--network', 'cli-compute-net', '--hint', `group=${String(g.id)}`, '--wait', 'g2'], demo);
      check(second.stderr.includes('Error creating server'), `second anti-affinity member: ${second.stderr}`);
      checkEqual(((await os.json(['server', 'group', 'show', 'spread'], demo)).members as string[]).length, 2, 'group members');
      await os.ok(['server', 'delete', '--wait', 'g1', 'g2'], demo);
      await os.ok(['server', 'group', 'delete', 'spread'], demo);
    });
    await rec.case('aggregate create + set --property ssd=true, flavor --property ssd=true schedules only there', async () => {
      const host = String((await os.json<Row[]>(['compute', 'service', 'list', '--service', 'nova-compute']))[0]!.Host);
      await os.ok(['aggregate', 'create', '--zone', 'nova', 'fast']);
      await os.ok(['aggregate', 'add', 'host', 'fast', host]);
      await os.ok(['aggregate', 'set', '--property', 'ssd=true', 'fast']);
      const agg = await os.json(['aggregate', 'show', 'fast']);
      checkEqual([agg.hosts, (agg.properties as Row).ssd], [[host], 'true'], 'aggregate');
      await os.ok(['flavor', 'create', '--ram', '256', '--disk', '1', '--vcpus', '1', '--property', 'ssd=true', 'm1.ssd']);
      const s = await os.json(['server', 'create', '--image', 'cli-cirros', '--flavor', 'm1.ssd', '--network', 'cli-compute-net', '--wait', 'fast1']);
      checkEqual(s['OS-EXT-SRV-ATTR:host'], host, 'host of the ssd server');
      await os.ok(['aggregate', 'unset', '--property', 'ssd', 'fast']);
      const nowhere = await os.run(['server', 'create', '--image', 'cli-cirros', '--flavor', 'm1.ssd', '--network', 'cli-compute-net', '--wait', 'fast2']);
      check(nowhere.stderr.includes('Error creating server'), `ssd flavor without an ssd aggregate: ${nowhere.stderr}`);
      await os.ok(['server', 'delete', '--wait', 'fast1', 'fast2']);
      await os.ok(['aggregate', 'remove', 'host', 'fast', host]);
      await os.ok(['aggregate', 'delete', 'fast']);
    });
    await rec.case('nova boot / list / show / flavor-list / hypervisor-list', async () => {
      const nova = new NovaCli(cloud.clouds['stratus-demo']!, 'demo');
      const netId = String((await os.json(['network', 'show', 'cli-compute-net'], demo)).id);
      await nova.ok(['boot', '--image', 'cli-cirros', '--flavor', 'm1.tiny', '--nic', `net-id=${netId}`, '--poll', 'nova-vm']);
      const list = LegacyCli.rows(await nova.ok(['list']));
      check(list.some((r) => r.Name === 'nova-vm' && r.Status === 'ACTIVE'), `nova list: ${JSON.stringify(list)}`);
      checkEqual(LegacyCli.properties(await nova.ok(['show', 'nova-vm'])).status, 'ACTIVE', 'nova show status');
      check(LegacyCli.rows(await nova.ok(['flavor-list'])).some((r) => r.Name === 'm1.tiny'), 'nova flavor-list');
      const admin = new NovaCli(cloud.clouds['stratus']!, 'admin');
      checkEqual(LegacyCli.rows(await admin.ok(['hypervisor-list'])).map((r) => r.State), ['up'], 'nova hypervisor-list');
      await nova.ok(['delete', 'nova-vm']);
    });
    await rec.case('server delete --wait frees the port', async () => {
      await os.ok(['server', 'delete', '--wait', 'vm1'], demo);
      const ports = await os.json<Row[]>(['port', 'list', '--device-owner', 'compute:nova'], demo);
      for (let i = 0; i < 50 && ports.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ports.splice(0, ports.length, ...(await os.json<Row[]>(['port', 'list', '--device-owner', 'compute:nova'], demo)));
      }
      checkEqual(ports.length, 0, 'compute ports left');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rec.totals;
}
