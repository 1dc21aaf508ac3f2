/**
 * The real-VM walk-through: the README's seeds done with the official `openstack` CLI
 * against a cloud on the QEMU driver and the linux dataplane, each step checked inside
 * the guest over SSH through a floating IP (hostname, boot id, disks, reachability),
 * not only by the status the API shows.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cloud } from '../lib/cloud.js';
import { screenshotConsole } from '../lib/console-screenshot.js';
import { CaseRecorder, check, checkEqual, OpenStackCli, type CaseTotals } from '../cli/osc.js';
import type { Footprint } from '../dataplane/leftovers.js';
import { agentRunDir } from '../../src/network/agent/host-dataplane.js';
import { ComputeWatcher } from './compute-api.js';
import { GuestSsh } from './guest-ssh.js';
import { killQemusUnder, qemuPidOf } from './qemu-processes.js';
import { onExit } from '../lib/exit.js';

export const VM_HOST = 'vm-host';
/** Guests run on two fake hosts, each a namespace with its own VTEP on a local underlay, so live migration has somewhere to go. */
const COMPUTE_HOSTS = ['fake-host-1', 'fake-host-2'];

/** The external network: a private /24 no real uplink sees (the dataplane tier uses .250). */
const EXTERNAL_CIDR = '172.31.251';
const TENANT_CIDR = '10.81.0';
const USERDATA_MARK = 'STRATUS-VM-TIER-USERDATA';

/** stratus.conf of a cloud on the QEMU driver and the linux dataplane; `underlay` must not be another run's. */
export function vmConf(prefix: string, underlay = '169.254.251.0/24'): string {
  return [
    '[DEFAULT]', `host = ${VM_HOST}`, '',
    '[network]', 'dataplane = linux', `namespace_prefix = ${prefix}`, `fake_host_underlay = ${underlay}`, '',
    // VXLAN devices of the main host are named by VNI: a range of its own keeps this cloud off any other on the machine.
    '[ml2_type_vxlan]', 'vni_ranges = 2001:3000', '',
    '[compute]', 'compute_driver = qemu', `fake_hosts = ${COMPUTE_HOSTS.length}`, 'vif_plugging_timeout = 60', 'sync_power_state_interval = 60', '',
    '[qemu]', 'virt_type = auto', '',
  ].join('\n');
}

export function newPrefix(): string {
  return `vmt${randomBytes(2).toString('hex')}-`;
}

type Row = Record<string, unknown>;

export interface VmSuiteResult extends CaseTotals {
  footprint: Footprint;
  serverIds: string[];
}

export async function runVmSuite(cloud: Cloud, prefix: string, guestQcow2: string, opts: { verbose: boolean; resultsDir: string }): Promise<VmSuiteResult> {
  const os = new OpenStackCli(cloud);
  const rec = new CaseRecorder(opts.verbose);
  const watch = new ComputeWatcher(cloud);
  const work = mkdtempSync(join(tmpdir(), 'stratus-vm-'));
  const keyFile = join(work, 'key.pem');
  const ssh = new GuestSsh(keyFile);
  const footprint: Footprint = { prefix, networkIds: [], portIds: [], vmNamespaces: [], runDir: agentRunDir(prefix, VM_HOST) };
  const serverIds: string[] = [];
  /** Figures worth printing with the results (lost pings). */
  const notes: string[] = [];
  const ids: Record<string, string> = {};
  const fips: Record<string, string> = {};
  const instancesRoot = join(cloud.dataDir, 'instances');
  const instanceDir = async (name: string): Promise<string> => join(instancesRoot, (await watch.server(ids[name]!))?.['OS-EXT-SRV-ATTR:host'] ?? 'unknown', ids[name]!);
  const bootId = (name: string): Promise<string> => ssh.exec(fips[name]!, 'cat /proc/sys/kernel/random/boot_id').then((s) => s.trim());
  const action = async (name: string, args: string[], status: string): Promise<void> => {
    await os.ok(['server', ...args, ids[name]!]);
    await watch.waitStatus(ids[name]!, status);
  };
  const boot = async (name: string, image: string, extra: string[] = [], flavor = 'vm.tiny'): Promise<string> => {
    const s = await os.json<Row>(['server', 'create', '--image', image, '--flavor', flavor, '--network', 'vmnet', '--key-name', 'vmkey',
      '--security-group', 'default', ...extra, '--wait', name]);
    checkEqual(s['status'], 'ACTIVE', `${name} status`);
    ids[name] = String(s['id']);
    serverIds.push(ids[name]!);
    return ids[name]!;
  };
  /** ssh with retries; on failure the guest's last console lines are in the message (is it booted? did it get an address?). */
  const sshWait = async (name: string, command: string, timeoutMs = 180_000): Promise<string> => {
    try {
      return await ssh.waitExec(fips[name]!, command, timeoutMs);
    } catch (e) {
      const r = await watch.request<{ output: string }>('POST', `/servers/${ids[name]!}/action`, { 'os-getConsoleOutput': { length: 6 } }).catch(() => null);
      const server = await watch.server(ids[name]!).catch(() => null);
      throw new Error(`${(e as Error).message} | ${name} on ${server?.['OS-EXT-SRV-ATTR:host']} status ${server?.status} | console: ${(r?.body.output ?? '').trim().split('\n').join(' / ')}`);
    }
  };
  const addFloatingIp = async (name: string): Promise<string> => {
    const fip = await os.json<Row>(['floating', 'ip', 'create', 'vmext']);
    fips[name] = String(fip['floating_ip_address']);
    await os.ok(['server', 'add', 'floating', 'ip', ids[name]!, fips[name]!]);
    return fips[name]!;
  };

  // An interrupted run (Ctrl-C, CI's SIGTERM) must not leave guests running.
  const unregister = onExit(() => { killQemusUnder(cloud.dataDir); });
  try {
    const ready = await rec.case('setup with the CLI: guest image upload, flavor, external and tenant networks, router with gateway, ICMP and SSH rules, key pair', async () => {
      await os.ok(['image', 'create', '--disk-format', 'qcow2', '--container-format', 'bare', '--file', guestQcow2, 'vm-guest']);
      await os.ok(['flavor', 'create', '--ram', '192', '--vcpus', '1', '--disk', '1', 'vm.tiny']);
      await os.ok(['flavor', 'create', '--ram', '256', '--vcpus', '2', '--disk', '2', 'vm.small']);
      const ext = await os.json<Row>(['network', 'create', '--external', 'vmext']);
      footprint.networkIds.push(String(ext['id']));
      await os.ok(['subnet', 'create', '--network', 'vmext', '--subnet-range', `${EXTERNAL_CIDR}.0/24`, '--no-dhcp', 'vmext-sub']);
      const net = await os.json<Row>(['network', 'create', 'vmnet']);
      footprint.networkIds.push(String(net['id']));
      await os.ok(['subnet', 'create', '--network', 'vmnet', '--subnet-range', `${TENANT_CIDR}.0/24`, 'vmnet-sub']);
      await os.ok(['router', 'create', 'vmrouter']);
      await os.ok(['router', 'set', '--external-gateway', 'vmext', 'vmrouter']);
      await os.ok(['router', 'add', 'subnet', 'vmrouter', 'vmnet-sub']);
      await os.ok(['security', 'group', 'rule', 'create', '--protocol', 'icmp', 'default']);
      await os.ok(['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '22', 'default']);
      const key = await os.ok(['keypair', 'create', 'vmkey']);
      writeFileSync(keyFile, key.stdout);
      chmodSync(keyFile, 0o600);
    });
    if (!ready) return { ...rec.totals, footprint, serverIds };

    const userData = join(work, 'user-data.sh');
    writeFileSync(userData, `#!/bin/sh\necho "${USERDATA_MARK} $(hostname)"\necho ran > /tmp/user-data-ran\n`);
    await rec.case('two servers boot at once (server create --user-data --wait): ACTIVE, and the console log shows the user-data marker', async () => {
      await Promise.all([boot('vm-a', 'vm-guest', ['--user-data', userData]), boot('vm-b', 'vm-guest')]);
      await watch.waitConsole(ids['vm-a']!, new RegExp(USERDATA_MARK));
      const log = await os.ok(['console', 'log', 'show', 'vm-a']);
      check(log.stdout.includes(`${USERDATA_MARK} vm-a`), 'console log show has the user-data marker with the hostname');
      const tail = await os.ok(['console', 'log', 'show', '--lines', '3', 'vm-a']);
      check(tail.stdout.trim().split('\n').length <= 3, `console log show --lines 3 gave ${tail.stdout.trim().split('\n').length} lines`);
    });

    await rec.case('floating IP: ssh -i key cirros@FIP runs commands; hostname, the root disk grown to the flavor, user data ran', async () => {
      await addFloatingIp('vm-a');
      const out = await sshWait('vm-a', 'hostname; cat /sys/block/vda/size; cat /tmp/user-data-ran');
      const [hostname, sectors, ran] = out.trim().split('\n');
      check(hostname?.startsWith('vm-a') === true, `hostname is ${hostname}`);
      checkEqual(Number(sectors) * 512, 1024 ** 3, 'root disk bytes (flavor disk 1 GB)');
      checkEqual(ran, 'ran', 'user data wrote its file');
    });

    await rec.case('from one VM, ping the other by its fixed IP', async () => {
      const b = await watch.server(ids['vm-b']!);
      const bIp = b?.addresses['vmnet']?.[0]?.addr;
      check(typeof bIp === 'string', 'vm-b has a fixed IP');
      await watch.waitConsole(ids['vm-b']!, /STRATUS-GUEST-READY/);
      const out = await ssh.exec(fips['vm-a']!, `ping -c 2 -W 2 ${bIp}`);
      check(/2 packets received/.test(out), `ping from vm-a to ${bIp}: ${out.trim().split('\n').slice(-2).join(' ')}`);
    });

    await rec.case('pause: the guest stops answering; unpause: it answers again, same boot', async () => {
      const before = await bootId('vm-a');
      await action('vm-a', ['pause'], 'PAUSED');
      check(await ssh.unreachable(fips['vm-a']!), 'a paused guest must not answer ssh');
      await action('vm-a', ['unpause'], 'ACTIVE');
      checkEqual(await bootId('vm-a'), before, 'boot id after unpause');
    });

    await rec.case('stop: SHUTOFF and its QEMU is gone; start: the guest boots again (new boot id)', async () => {
      const before = await bootId('vm-a');
      await action('vm-a', ['stop'], 'SHUTOFF');
      checkEqual(await qemuPidOf(ids['vm-a']!), null, 'QEMU of a stopped server');
      await action('vm-a', ['start'], 'ACTIVE');
      const after = (await sshWait('vm-a', 'cat /proc/sys/kernel/random/boot_id')).trim();
      check(after !== before, 'a started guest has booted anew');
    });

    await rec.case('reboot --hard: the guest resets (new boot id) and comes back', async () => {
      const before = await bootId('vm-a');
      await os.ok(['server', 'reboot', '--hard', '--wait', ids['vm-a']!]);
      const after = (await sshWait('vm-a', 'cat /proc/sys/kernel/random/boot_id')).trim();
      check(after !== before, 'a hard-rebooted guest has booted anew');
    });

    await rec.case('suspend: memory saved to disk, QEMU gone; resume: the same boot continues', async () => {
      const before = await bootId('vm-a');
      await action('vm-a', ['suspend'], 'SUSPENDED');
      checkEqual(await qemuPidOf(ids['vm-a']!), null, 'QEMU of a suspended server');
      check(existsSync(join(await instanceDir('vm-a'), 'memory.save')), 'the saved memory file exists while suspended');
      await action('vm-a', ['resume'], 'ACTIVE');
      checkEqual((await sshWait('vm-a', 'cat /proc/sys/kernel/random/boot_id')).trim(), before, 'boot id after resume');
    });

    await rec.case('rescue: the rescue image boots with the original disk attached second; unrescue: back on its own disk', async () => {
      await action('vm-a', ['rescue'], 'RESCUE');
      const disks = (await sshWait('vm-a', 'ls /sys/block')).trim().split(/\s+/);
      check(disks.includes('vdb'), `disks in rescue: ${disks.join(' ')}`);
      await action('vm-a', ['unrescue'], 'ACTIVE');
      const after = (await sshWait('vm-a', 'ls /sys/block')).trim().split(/\s+/);
      check(!after.includes('vdb'), `disks after unrescue: ${after.join(' ')}`);
    });

    await rec.case('resize to a flavor with 2 VCPUs and a 2 GB disk, then confirm: the guest sees both, and the old disk is gone', async () => {
      await os.ok(['server', 'resize', '--flavor', 'vm.small', '--wait', ids['vm-a']!]);
      await watch.waitStatus(ids['vm-a']!, 'VERIFY_RESIZE');
      const [cpus, sectors] = (await sshWait('vm-a', 'nproc; cat /sys/block/vda/size')).trim().split('\n');
      checkEqual(Number(cpus), 2, 'guest CPUs after resize');
      checkEqual(Number(sectors) * 512, 2 * 1024 ** 3, 'root disk bytes after resize');
      await os.ok(['server', 'resize', 'confirm', ids['vm-a']!]);
      await watch.waitStatus(ids['vm-a']!, 'ACTIVE');
      check(!COMPUTE_HOSTS.some((h) => existsSync(join(instancesRoot, h, `${ids['vm-a']!}_resize`))), 'the kept source disks are dropped on confirm');
    });

    await rec.case('live migration to the other host with a ping running: same boot continues, the host changes, pings lost reported', async () => {
      const before = await watch.server(ids['vm-a']!);
      const from = before?.['OS-EXT-SRV-ATTR:host'];
      const bootBefore = await bootId('vm-a');
      const pinger = startPinger(fips['vm-a']!);
      const started = Date.now();
      await os.ok(['server', 'migrate', '--live-migration', '--wait', ids['vm-a']!]);
      const after = await watch.waitStatus(ids['vm-a']!, 'ACTIVE');
      const seconds = (Date.now() - started) / 1000;
      const { sent, received } = await pinger.stop();
      check(after['OS-EXT-SRV-ATTR:host'] !== from, `host after live migration: ${after['OS-EXT-SRV-ATTR:host']} (was ${from})`);
      checkEqual(await bootId('vm-a'), bootBefore, 'boot id after live migration');
      check(sent > 0 && received > 0, `pinger sent ${sent}, received ${received}`);
      notes.push(`live migration ${from} -> ${after['OS-EXT-SRV-ATTR:host']}: ${seconds.toFixed(1)} s with the CLI, ${sent - received} of ${sent} pings (every 100 ms) lost`);
    });

    await rec.case('snapshot: a file written to the disk is in the image; a server booted from the snapshot reads it', async () => {
      const stamp = randomBytes(8).toString('hex');
      await ssh.exec(fips['vm-a']!, `echo ${stamp} > /mnt/stamp && sync`);
      const image = await os.json<Row>(['server', 'image', 'create', '--name', 'vm-a-snap', '--wait', ids['vm-a']!]);
      checkEqual(image['status'], 'active', 'snapshot image status');
      await boot('vm-c', 'vm-a-snap', [], 'vm.small');
      await addFloatingIp('vm-c');
      checkEqual((await sshWait('vm-c', 'cat /mnt/stamp')).trim(), stamp, 'the stamp on the snapshot\'s server');
      await os.ok(['server', 'delete', '--wait', ids['vm-c']!]);
    });

    await rec.case('console url show: headless Chromium opens the noVNC URL and the screenshot shows the guest\'s screen', async () => {
      const url = (await os.ok(['console', 'url', 'show', '-f', 'value', '-c', 'url', ids['vm-a']!])).stdout.trim();
      const shot = await screenshotConsole(url, join(opts.resultsDir, 'vm-a-console.png'), 60_000);
      check(shot.nonBlackPixels > 1000, `the console screenshot has ${shot.nonBlackPixels} non-black pixels`);
    });

    await rec.case('a QEMU killed under the guest: the server turns SHUTOFF on its own (power-state sync)', async () => {
      const pid = await qemuPidOf(ids['vm-b']!);
      check(pid !== null, 'vm-b has a QEMU');
      process.kill(pid!, 'SIGKILL');
      await watch.waitStatus(ids['vm-b']!, 'SHUTOFF', 30_000);
    });

    await rec.case('the cloud crashes (kill -9) and restarts: the guest kept running, its QEMU is adopted, ssh and a later stop/start work', async () => {
      const pid = await qemuPidOf(ids['vm-a']!);
      const before = await bootId('vm-a');
      await cloud.restart('SIGKILL');
      checkEqual(await qemuPidOf(ids['vm-a']!), pid, 'QEMU pid after the restart');
      // The agents reconcile the host as they start: the guest is reached again once they have.
      checkEqual((await sshWait('vm-a', 'cat /proc/sys/kernel/random/boot_id', 60_000)).trim(), before, 'boot id after the restart');
      await watch.waitStatus(ids['vm-a']!, 'ACTIVE');
      await action('vm-a', ['stop'], 'SHUTOFF');
      await action('vm-a', ['start'], 'ACTIVE');
      await sshWait('vm-a', 'true');
    });

    await rec.case('delete: every server goes, with its QEMU and its files', async () => {
      for (const id of serverIds) if (await watch.server(id)) await os.ok(['server', 'delete', '--wait', id]);
      for (const id of serverIds) checkEqual(await qemuPidOf(id), null, `QEMU of deleted server ${id}`);
      const left = COMPUTE_HOSTS.flatMap((h) => (existsSync(join(instancesRoot, h)) ? readdirSync(join(instancesRoot, h)).filter((n) => n !== '_base') : []));
      checkEqual(left.join(','), '', 'instance dirs left');
    });
  } finally {
    await teardown(os, watch, serverIds, fips);
    rmSync(work, { recursive: true, force: true });
    unregister();
  }
  if (opts.verbose) for (const n of notes) process.stdout.write(`  ..    ${n}\n`);
  return { ...rec.totals, footprint, serverIds };
}

/** A ping every 100 ms from the host until stop(); what it sent and got back. */
function startPinger(address: string): { stop(): Promise<{ sent: number; received: number }> } {
  const child = spawn('busybox', ['ping', '-i', '0.1', '-W', '1', address], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      child.kill('SIGINT');
      await exited;
      const m = /(\d+) packets transmitted, (\d+) packets received/.exec(out);
      return { sent: Number(m?.[1] ?? 0), received: Number(m?.[2] ?? 0) };
    },
  };
}

/** Everything the walk-through made, deleted through the API whatever happened, so the host empties itself. */
async function teardown(os: OpenStackCli, watch: ComputeWatcher, serverIds: string[], fips: Record<string, string>): Promise<void> {
  for (const id of serverIds) {
    if (await watch.server(id).catch(() => null)) await os.run(['server', 'delete', '--wait', id]);
  }
  for (const fip of Object.values(fips)) await os.run(['floating', 'ip', 'delete', fip]);
  await os.run(['router', 'remove', 'subnet', 'vmrouter', 'vmnet-sub']);
  await os.run(['router', 'unset', '--external-gateway', 'vmrouter']);
  await os.run(['router', 'delete', 'vmrouter']);
  await os.run(['network', 'delete', 'vmnet']);
  await os.run(['network', 'delete', 'vmext']);
}

