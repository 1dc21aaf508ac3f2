import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestImageCacheDir } from '../../../cli/virt-drivers.js';
import { ensureGuestImage } from '../../../guest/guest-image.js';
import { isRootWith } from '../../../network/dataplane/linux/test-support.js';
import { DriverError } from '../driver.js';
import { writeConfigDrive } from './config-drive-iso.js';
import { InstancePaths, type InstanceRecord } from './instance-files.js';
import { qemuArgs } from './qemu-command.js';
import { createOverlay, gib } from './qemu-img.js';
import { killQemu, launchQemu } from './qemu-process.js';
import { QmpClient } from './qmp.js';
import { hotplugVolume, unplugVolume, volumeToAttach } from './volumes.js';

/**
 * Volume hot-plug against a real guest (the Stratus test guest under TCG, which reports
 * every new disk on its console): what block storage will drive through attachVolume
 * and detachVolume; and the NMI the driver sends for trigger_crash_dump, which the
 * guest's kernel logs. Needs root and the tools the guest build and QEMU use.
 */
const canRun = isRootWith(['qemu-system-x86_64', 'qemu-img', 'genisoimage', 'busybox', 'syslinux', 'mcopy']);

const uuid = randomUUID();
let dir = '';
let paths: InstancePaths;
let qmp: QmpClient | null = null;

async function consoleShows(pattern: RegExp, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(paths.console, 'utf8').catch(() => '');
    const m = pattern.exec(text);
    if (m) return m[0];
    if (Date.now() > end) throw new Error(`console never showed ${pattern}; it ends: ${text.slice(-400)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!canRun)('a running QEMU guest: volume hot-plug, and the NMI of trigger_crash_dump', () => {
  beforeAll(async () => {
    const guest = await ensureGuestImage({ cacheDir: guestImageCacheDir() });
    dir = await mkdtemp(join(tmpdir(), 'stratus-volume-test-'));
    paths = InstancePaths.of(dir, uuid);
    await mkdir(paths.dir, { recursive: true });
    await createOverlay(paths.root, guest.qcow2, 'qcow2', null);
    await writeConfigDrive(paths.configDrive, { 'openstack/latest/meta_data.json': JSON.stringify({ uuid, name: 'vol', hostname: 'vol' }) });
    const record: InstanceRecord = {
      spec: {
        uuid, name: 'vol', hostname: 'vol', vcpus: 1, memoryMb: 192, rootGb: 0, ephemeralGb: 0, swapMb: 0, extraSpecs: {}, imageId: null,
        imageProperties: {}, userData: null, keyData: null, configDrive: true, metadata: {},
      },
      vifs: [], rootFormat: 'qcow2', hasEphemeral: false, hasSwap: false, hasConfigDrive: true, ownTaps: [], rescued: false,
    };
    // No NIC would keep the guest waiting for one; QEMU's user network answers DHCP at once.
    const args = [...qemuArgs(record, paths, { accel: 'tcg', vncListen: '127.0.0.1' }), '-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0'];
    await launchQemu(paths, args);
    qmp = await QmpClient.connect(paths.qmp);
    await consoleShows(/STRATUS-GUEST-READY/, 180_000);
  }, 300_000);

  afterAll(async () => {
    qmp?.close();
    if (paths) await killQemu(paths, uuid).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('adds a volume the guest sees as a new disk, then removes it once the guest let it go', async () => {
    const file = join(dir, 'volume.raw');
    await writeFile(file, '');
    await truncate(file, 64 * 1024 * 1024);
    const volume = await volumeToAttach({ sourceType: 'volume', deviceName: '/dev/vdb', sizeGb: 0, source: file, bootIndex: null, volumeId: randomUUID() });
    expect(volume.kind).toBe('file');
    await hotplugVolume(qmp!, volume);
    // 64 MiB in 512-byte sectors, as the guest's own kernel counts them.
    expect(await consoleShows(/new block device \/dev\/vd\w+ size=131072 sectors/, 60_000)).toBeTruthy();
    const nodes = (await qmp!.execute('query-named-block-nodes')) as unknown as Array<{ 'node-name': string }>;
    expect(nodes.map((n) => n['node-name'])).toContain('drive-volume-vdb');

    await unplugVolume(qmp!, volume, 60_000);
    const after = (await qmp!.execute('query-named-block-nodes')) as unknown as Array<{ 'node-name': string }>;
    expect(after.map((n) => n['node-name'])).not.toContain('drive-volume-vdb');
    // Attachable again after a detach: no device or node id is left over.
    await hotplugVolume(qmp!, volume);
    await unplugVolume(qmp!, volume, 60_000);
  }, 180_000);

  it('refuses a volume whose path is not on this host, and a second disk under a taken name leaves the first alone', async () => {
    await expect(volumeToAttach({ sourceType: 'volume', deviceName: '/dev/vdc', sizeGb: 1, source: join(dir, 'missing'), bootIndex: null })).rejects.toBeInstanceOf(DriverError);
    const file = join(dir, 'second.raw');
    await writeFile(file, '');
    await truncate(file, 16 * 1024 * 1024);
    const volume = await volumeToAttach({ sourceType: 'volume', deviceName: '/dev/vdc', sizeGb: 0, source: file, bootIndex: null });
    await hotplugVolume(qmp!, volume);
    await expect(hotplugVolume(qmp!, volume)).rejects.toThrow();
    const nodes = (await qmp!.execute('query-named-block-nodes')) as unknown as Array<{ 'node-name': string }>;
    expect(nodes.filter((n) => n['node-name'] === 'drive-volume-vdc')).toHaveLength(1);
    await unplugVolume(qmp!, volume, 60_000);
  }, 180_000);

  it('an NMI (trigger_crash_dump) reaches the guest kernel, which logs it and keeps running', async () => {
    await qmp!.execute('inject-nmi');
    await consoleShows(/NMI received for unknown reason/, 30_000);
    expect(((await qmp!.execute('query-status')) as unknown as { status: string }).status).toBe('running');
  }, 60_000);
});
