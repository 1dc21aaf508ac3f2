import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortWiring, RouterWiring } from '../driver.js';
import { routerInterfaceName, routerNamespace } from './names.js';
import { RouterAdvertisers, radvdConfig } from './radvd.js';
import { isRootWith, quietly, sh } from './test-support.js';

/** Needs root (namespaces) and radvd and ip on the host. */
const isRootWithTools = isRootWith(['radvd', 'ip']);

const PREFIX = 'stratest-';
const routerId = randomUUID();
const portId = randomUUID();
const routerNs = routerNamespace(PREFIX, routerId);
const vmNs = `${PREFIX}vm-${routerId.slice(0, 8)}`;
const ifname = routerInterfaceName(portId);
const log = pino({ level: 'silent' });

/** PIDs of radvd processes (the daemon and its privsep child) of this test's run dir. */
async function radvdPids(runDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith('radvd\0') && cmdline.includes(`${runDir}/radvd/`)) pids.push(Number(entry));
  }
  return pids.sort((a, b) => a - b);
}

const port: PortWiring = {
  portId, networkId: 'n1', host: 'test', macAddress: 'fa:16:3e:78:00:01', mtu: 1400,
  segment: { networkType: 'flat', physicalNetwork: null, segmentationId: null },
  fixedIps: [{ subnetId: 's6', ipAddress: 'fd00:78::1' }], deviceId: routerId, deviceOwner: 'network:router_interface',
  adminStateUp: true, portSecurityEnabled: false, securityGroupIds: [], allowedAddressPairs: [],
};
const router = (cidr: string): RouterWiring => ({
  routerId, enableSnat: false, gateway: null, routes: [], floatingIps: [],
  interfaces: [{ port, subnets: [{ id: 's6', cidr, gatewayIp: 'fd00:78::1', ipv6RaMode: 'slaac', ipv6AddressMode: 'slaac' }] }],
});

/** The VM's global IPv6 addresses, polled until `want` shows or 10 s pass. */
async function vmAddressesUntil(want: string): Promise<string> {
  let out = '';
  for (let i = 0; i < 200; i++) {
    out = sh('ip', ['-n', vmNs, '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']);
    if (out.includes(want)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return out;
}

describe.skipIf(!isRootWithTools)('RouterAdvertisers on Linux (root, radvd)', () => {
  let runDir = '';
  let ads: RouterAdvertisers;

  beforeAll(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'stratest-'));
    sh('ip', ['netns', 'add', routerNs]);
    sh('ip', ['netns', 'add', vmNs]);
    sh('ip', ['netns', 'exec', routerNs, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    // The VM's link is up long before the router advertises: it has sent its solicitations already.
    sh('ip', ['-n', vmNs, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', ifname, 'netns', routerNs]);
    sh('ip', ['-n', vmNs, 'link', 'set', 'eth0', 'address', 'fa:16:3e:78:00:05', 'up']);
    sh('ip', ['-n', routerNs, 'link', 'set', ifname, 'address', port.macAddress, 'up']);
    sh('ip', ['-n', routerNs, 'addr', 'add', 'fd00:78::1/64', 'dev', ifname]);
    ads = new RouterAdvertisers({ runDir, log });
  });

  afterAll(async () => {
    await ads?.remove(routerId).catch(() => undefined);
    // Whatever a failed test left: only radvds of this test's run dir, by PID.
    if (runDir) for (const pid of await radvdPids(runDir)) quietly('kill', ['-KILL', String(pid)]);
    quietly('ip', ['netns', 'del', routerNs]);
    quietly('ip', ['netns', 'del', vmNs]);
    if (runDir) await rm(runDir, { recursive: true, force: true });
  });

  it('sync: starts radvd in the namespace; the VM configures its EUI-64 address within seconds, with the MTU', async () => {
    await ads.sync(routerId, routerNs, radvdConfig(router('fd00:78::/64')));
    expect(await ads.running()).toEqual([routerId]);
    expect(await vmAddressesUntil('fd00:78::f816:3eff:fe78:5/64')).toContain('fd00:78::f816:3eff:fe78:5/64');
    expect(sh('ip', ['-n', vmNs, '-6', 'route', 'show', 'default'])).toContain(`mtu 1400`);
  }, 30_000);

  it('sync: unchanged config leaves the process alone; a changed one reloads the same process (SIGHUP)', async () => {
    const pids = await radvdPids(runDir);
    await ads.sync(routerId, routerNs, radvdConfig(router('fd00:78::/64')));
    expect(await radvdPids(runDir)).toEqual(pids);
    sh('ip', ['-n', routerNs, 'addr', 'add', 'fd00:79::1/64', 'dev', ifname]);
    await ads.sync(routerId, routerNs, radvdConfig(router('fd00:79::/64')));
    expect((await radvdPids(runDir))[0]).toBe(pids[0]);
    expect(await vmAddressesUntil('fd00:79::f816:3eff:fe78:5/64')).toContain('fd00:79::f816:3eff:fe78:5/64');
    expect(await readFile(join(runDir, 'radvd', `${routerId}.log`), 'utf8')).toContain('reread config');
  }, 30_000);

  it('restart: a new instance over the same run dir adopts the running radvd', async () => {
    const pids = await radvdPids(runDir);
    await ads.close();
    ads = new RouterAdvertisers({ runDir, log });
    expect(await ads.running()).toEqual([routerId]);
    await ads.sync(routerId, routerNs, radvdConfig(router('fd00:79::/64')));
    expect(await radvdPids(runDir)).toEqual(pids);
  });

  it('removeAllExcept: keeps listed routers, removes the rest', async () => {
    await ads.removeAllExcept([routerId]);
    expect(await ads.running()).toEqual([routerId]);
    await ads.removeAllExcept([]);
    expect(await ads.running()).toEqual([]);
    expect(await radvdPids(runDir)).toEqual([]);
  }, 30_000);

  it('sync: an empty config (no RA subnet any more) stops radvd and deletes its files; remove twice is fine', async () => {
    await ads.sync(routerId, routerNs, radvdConfig(router('fd00:78::/64')));
    expect(await ads.running()).toEqual([routerId]);
    await ads.sync(routerId, routerNs, '');
    expect(await radvdPids(runDir)).toEqual([]);
    expect(await readdir(join(runDir, 'radvd'))).toEqual([]);
    await ads.remove(routerId);
    await ads.remove(routerId);
  }, 30_000);
});
