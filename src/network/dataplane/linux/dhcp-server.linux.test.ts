import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DhcpServer, PortWiring } from '../driver.js';
import { DnsmasqServers } from './dhcp-server.js';
import { dhcpInterfaceName, dhcpNamespace } from './names.js';
import { isRootWith, quietly, sh } from './test-support.js';

/** Needs root (namespaces, bridges) and dnsmasq, busybox udhcpc and ip on the host. */
const isRootWithTools = isRootWith(['dnsmasq', 'busybox', 'ip']);

const PREFIX = 'stdhcptest-';
const BRIDGE = 'stdhcptest0';
const SERVER_VETH = 'stdhcpt-s0';
const VM_VETH = 'stdhcpt-v0';
const networkId = randomUUID();
const portId = randomUUID();
const subnetId = randomUUID();
const serverNs = dhcpNamespace(PREFIX, networkId);
const vmNs = `${PREFIX}vm-${networkId.slice(0, 8)}`;
const ifname = dhcpInterfaceName(portId);
const VM_MAC = 'fa:16:3e:77:00:05';
const OTHER_MAC = 'fa:16:3e:77:00:99';
const log = pino({ level: 'silent' });

/**
 * One DHCP exchange from the VM namespace; udhcpc's whole output (it reports on stderr).
 * The script only prints what it was told (udhcpc passes the options as environment).
 */
function udhcpc(tries: number, script = '/bin/true'): Promise<string> {
  const args = ['netns', 'exec', vmNs, 'busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-t', String(tries), '-T', '1', '-O', 'staticroutes', '-s', script];
  return new Promise((resolve) => execFile('ip', args, { timeout: 20_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`)));
}

function setVmMac(mac: string): void {
  sh('ip', ['-n', vmNs, 'link', 'set', 'eth0', 'down']);
  sh('ip', ['-n', vmNs, 'link', 'set', 'eth0', 'address', mac]);
  sh('ip', ['-n', vmNs, 'link', 'set', 'eth0', 'up']);
}

/** PIDs of dnsmasq processes serving from a state directory (zombies have no cmdline and do not count). */
async function dnsmasqPids(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith('dnsmasq\0') && cmdline.includes(`--pid-file=${dir}/pid`)) pids.push(Number(entry));
  }
  return pids;
}

const port: PortWiring = {
  portId, networkId, host: 'test', macAddress: 'fa:16:3e:77:00:02', mtu: 1450,
  segment: { networkType: 'flat', physicalNetwork: null, segmentationId: null },
  fixedIps: [{ subnetId, ipAddress: '10.77.0.2' }], deviceId: `dhcp-${networkId}`, deviceOwner: 'network:dhcp',
  adminStateUp: true, portSecurityEnabled: false, securityGroupIds: [], allowedAddressPairs: [],
};

const serverFor = (hosts: Array<{ mac: string; ip: string; portId?: string }>): DhcpServer => ({
  networkId,
  mtu: 1450,
  subnets: [{ id: subnetId, cidr: '10.77.0.0/24', ipVersion: 4, gatewayIp: '10.77.0.1', dnsNameservers: ['10.77.0.53'], hostRoutes: [], ipv6AddressMode: null, ipv6RaMode: null }],
  hosts: hosts.map((h, i) => ({
    portId: h.portId ?? `vm-port-${i}`, macAddress: h.mac, fixedIps: [{ subnetId, ipAddress: h.ip }],
    hostname: `host-${h.ip.replaceAll('.', '-')}`, extraDhcpOpts: [],
  })),
  port,
});

describe.skipIf(!isRootWithTools)('DnsmasqServers on Linux (root, dnsmasq, busybox)', () => {
  let stateDir = '';
  let dir = '';
  let servers: DnsmasqServers;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'stdhcptest-'));
    await chmod(stateDir, 0o755); // dnsmasq reads its files as nobody
    dir = join(stateDir, 'dhcp', networkId);
    sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    sh('ip', ['link', 'set', BRIDGE, 'up']);
    sh('ip', ['netns', 'add', serverNs]);
    sh('ip', ['netns', 'add', vmNs]);
    // What the L2 side does for the DHCP port: a veth from the bridge into the namespace, with the port's address.
    sh('ip', ['link', 'add', SERVER_VETH, 'type', 'veth', 'peer', 'name', ifname, 'netns', serverNs]);
    sh('ip', ['link', 'set', SERVER_VETH, 'master', BRIDGE, 'up']);
    sh('ip', ['-n', serverNs, 'link', 'set', ifname, 'address', port.macAddress]);
    sh('ip', ['-n', serverNs, 'addr', 'add', '10.77.0.2/24', 'dev', ifname]);
    sh('ip', ['-n', serverNs, 'link', 'set', ifname, 'up']);
    // The "VM".
    sh('ip', ['link', 'add', VM_VETH, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vmNs]);
    sh('ip', ['link', 'set', VM_VETH, 'master', BRIDGE, 'up']);
    setVmMac(VM_MAC);
    servers = new DnsmasqServers({ stateDir, namespacePrefix: PREFIX, log });
  });

  afterAll(async () => {
    await servers?.remove(networkId).catch(() => undefined);
    // Whatever a failed test left: only dnsmasqs of this test's state directory, by PID.
    if (dir) for (const pid of await dnsmasqPids(dir)) quietly('kill', ['-KILL', String(pid)]);
    quietly('ip', ['netns', 'del', serverNs]);
    quietly('ip', ['netns', 'del', vmNs]);
    quietly('ip', ['link', 'del', SERVER_VETH]);
    quietly('ip', ['link', 'del', VM_VETH]);
    quietly('ip', ['link', 'del', BRIDGE]);
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('sync: starts dnsmasq and the VM gets its fixed IP and options; the metadata address is on the interface', async () => {
    await servers.sync(serverFor([{ mac: VM_MAC, ip: '10.77.0.5' }]));
    expect(await dnsmasqPids(dir)).toHaveLength(1);
    const script = join(stateDir, 'udhcpc-script');
    await writeFile(script, '#!/bin/sh\n[ "$1" = bound ] && echo "OPTS router=$router dns=$dns mtu=$mtu routes=$staticroutes"\nexit 0\n', { mode: 0o755 });
    const out = await udhcpc(5, script);
    expect(out).toContain('lease of 10.77.0.5 obtained');
    expect(out).toContain('OPTS router=10.77.0.1 dns=10.77.0.53 mtu=1450 routes=169.254.169.254/32 10.77.0.2 0.0.0.0/0 10.77.0.1');
    expect(sh('ip', ['-n', serverNs, '-4', 'addr', 'show', 'dev', ifname])).toContain('169.254.169.254/32');
    // dnsmasq (as nobody) read both files and took every line.
    const dnsmasqLog = await readFile(join(dir, 'log'), 'utf8');
    expect(dnsmasqLog).toMatch(/read .*\/hosts/);
    expect(dnsmasqLog).not.toMatch(/bad|cannot|error|failed/i);
    expect(await servers.running()).toEqual([networkId]);
  }, 30_000);

  it('sync: a changed address reloads the same process (SIGHUP) and the next lease has it', async () => {
    const [pid] = await dnsmasqPids(dir);
    await servers.sync(serverFor([{ mac: VM_MAC, ip: '10.77.0.6' }]));
    expect(await dnsmasqPids(dir)).toEqual([pid]);
    expect(await udhcpc(5)).toContain('lease of 10.77.0.6 obtained');
  }, 30_000);

  it('sync: a MAC missing from the hosts file gets no lease', async () => {
    setVmMac(OTHER_MAC);
    try {
      const out = await udhcpc(2);
      expect(out).not.toContain('lease of');
      expect(out).toContain('no lease');
    } finally {
      setVmMac(VM_MAC);
    }
  }, 30_000);

  it('sync: an address passed to another port is handed out at once (the old lease is dropped)', async () => {
    // VM_MAC holds a lease on .6; the address now belongs to OTHER_MAC.
    await servers.sync(serverFor([{ mac: OTHER_MAC, ip: '10.77.0.6', portId: 'vm-port-new' }]));
    setVmMac(OTHER_MAC);
    try {
      expect(await udhcpc(5)).toContain('lease of 10.77.0.6 obtained');
      expect(await dnsmasqPids(dir)).toHaveLength(1);
    } finally {
      setVmMac(VM_MAC);
    }
    await servers.sync(serverFor([{ mac: VM_MAC, ip: '10.77.0.5' }]));
  }, 30_000);

  it('sync: unchanged desired state leaves the process alone', async () => {
    const before = await dnsmasqPids(dir);
    const hostsBefore = (await stat(join(dir, 'hosts'))).mtimeMs;
    await servers.sync(serverFor([{ mac: VM_MAC, ip: '10.77.0.5' }]));
    expect(await dnsmasqPids(dir)).toEqual(before);
    expect((await stat(join(dir, 'hosts'))).mtimeMs).toBe(hostsBefore);
  });

  it('restart: a new instance over the same state dir adopts the running dnsmasq instead of starting another', async () => {
    const [pid] = await dnsmasqPids(dir);
    await servers.close();
    servers = new DnsmasqServers({ stateDir, namespacePrefix: PREFIX, log });
    expect(await servers.running()).toEqual([networkId]);
    await servers.sync(serverFor([{ mac: VM_MAC, ip: '10.77.0.7' }]));
    expect(await dnsmasqPids(dir)).toEqual([pid]);
    expect(await udhcpc(5)).toContain('lease of 10.77.0.7 obtained');
  }, 30_000);

  it('sync: a changed command line (another range) restarts the process', async () => {
    const [pid] = await dnsmasqPids(dir);
    const s = serverFor([{ mac: VM_MAC, ip: '10.77.0.7' }]);
    await servers.sync({ ...s, subnets: s.subnets.map((sub) => ({ ...sub, cidr: '10.77.0.0/23' })) });
    const after = await dnsmasqPids(dir);
    expect(after).toHaveLength(1);
    expect(after).not.toEqual([pid]);
  }, 30_000);

  it('removeAllExcept: keeps listed networks, removes the rest', async () => {
    await servers.removeAllExcept([networkId]);
    expect(await servers.running()).toEqual([networkId]);
    await servers.removeAllExcept([]);
    expect(await servers.running()).toEqual([]);
    expect(await dnsmasqPids(dir)).toEqual([]);
  }, 30_000);

  it('remove: stops dnsmasq and deletes the state dir; twice is fine', async () => {
    await servers.sync(serverFor([{ mac: VM_MAC, ip: '10.77.0.5' }]));
    expect(await dnsmasqPids(dir)).toHaveLength(1);
    await servers.remove(networkId);
    await servers.remove(networkId);
    expect(await dnsmasqPids(dir)).toEqual([]);
    await expect(stat(dir)).rejects.toThrow();
    expect(await servers.running()).toEqual([]);
  }, 30_000);

  it('sync: a state dir dnsmasq (as nobody) cannot read is refused up front', async () => {
    const closed = await mkdtemp(join(tmpdir(), 'stdhcptest-')); // mkdtemp makes it 0700
    try {
      const s = new DnsmasqServers({ stateDir: closed, namespacePrefix: PREFIX, log });
      await expect(s.sync(serverFor([{ mac: VM_MAC, ip: '10.77.0.5' }]))).rejects.toThrow(/not readable by dnsmasq/);
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  });
});
