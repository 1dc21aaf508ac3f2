import { copyFile, link, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  DriverError, MigrationCancelled, type BlockDevice, type DriverCapabilities, type InstanceSpec, type VifInfo, type VirtDriver,
} from '../driver.js';
import { InstancePaths, readRecord, writeRecord, type InstanceRecord } from './instance-files.js';
import { gib, growDisk, imageInfo, rebaseSafe, rebaseUnsafe } from './qemu-img.js';
import { nicOf } from './qemu-command.js';
import { exists, makeFormattedFile, QemuGuests } from './qemu-guests.js';
import { killQemu, runningPid, waitForExit } from './qemu-process.js';
import { deleteDevice, waitForMigration, waitForStatus } from './qmp-waits.js';
import { removeTap } from './taps.js';
import { hotplugVolume, unplugVolume, volumeToAttach } from './volumes.js';

export type { QemuDriverOptions } from './qemu-guests.js';

/** libvirt's default live-migration port range (migration_port_min/max in qemu.conf). */
const MIGRATION_PORT_MIN = 49152;
const MIGRATION_PORT_MAX = 49215;

/** A live migration that has not converged in this long is cancelled. */
const LIVE_MIGRATION_TIMEOUT_MS = 600_000;

/** How long a guest has to release a hot-unplugged device (libvirt waits about as long). */
const DEVICE_DETACH_TIMEOUT_MS = 30_000;

/**
 * The QEMU virt driver (Nova's libvirt driver without libvirt): the guests' lifecycle
 * comes from QemuGuests; here are what moves a guest or changes its devices: resize and
 * cold migration, live migration, interface and volume hot-plug. Hosts sharing one machine share
 * the instances root, which stands in for Nova's shared instance storage.
 */
export class QemuDriver extends QemuGuests implements VirtDriver {
  readonly capabilities: DriverCapabilities = {
    hasImagecache: true, supportsRecreate: false, supportsAttachInterface: true, supportsMultiattach: false, supportsLiveMigration: true,
    supportsSuspend: true, supportsPause: true, supportsRescue: true, supportsConsoleOutput: true, supportsVncConsole: true,
  };
  /** Instances streaming to another host now (force-complete and abort apply to them). */
  private readonly migrating = new Set<string>();

  /**
   * Resize / cold migration, source side (Nova's migrate_disk_and_power_off): a clean
   * stop, then the instance directory moves aside to `<uuid>_resize`, where it waits
   * for a revert until confirmMigration drops it. Disks never shrink.
   */
  migrateDiskAndPowerOff(uuid: string, newSpec: InstanceSpec): Promise<void> {
    return this.lock.run(uuid, async () => {
      const record = await this.record(uuid);
      if (newSpec.rootGb > 0 && newSpec.rootGb < record.spec.rootGb) throw new DriverError('Resize error: Unable to resize disk down.');
      await this.shutdown(uuid, 60);
      const kept = this.resizeSourceDir(uuid);
      await rm(kept, { recursive: true, force: true });
      await rename(this.paths(uuid).dir, kept);
    });
  }

  /**
   * Resize / cold migration, destination side (Nova's finish_migration): the root disk
   * (and ephemeral disk and config drive) copied from the source's kept directory, the
   * root disk grown to the new flavor, swap made anew, the guest started with the new
   * CPUs and memory. The kept copy is found on this host or, for hosts sharing one
   * machine, beside this host's directory.
   */
  finishMigration(spec: InstanceSpec, vifs: VifInfo[], powerOn: boolean): Promise<void> {
    return this.lock.run(spec.uuid, async () => {
      const { from, old } = await this.migrationSource(spec.uuid, await this.findResizeSource(spec.uuid));
      const paths = this.paths(spec.uuid);
      const record: InstanceRecord = { ...old, spec, vifs, hasEphemeral: spec.ephemeralGb > 0, hasSwap: spec.swapMb > 0, ownTaps: [], rescued: false };
      try {
        await mkdir(paths.dir, { recursive: true });
        await copyFile(from.root, paths.root);
        if (spec.imageId && !from.dir.startsWith(`${this.options.instancesPath}/`)) await this.rebaseOnOwnCache(paths.root, spec.imageId);
        if (spec.rootGb > 0) await growDisk(paths.root, 'qcow2', gib(spec.rootGb));
        if (record.hasEphemeral) {
          if (old.hasEphemeral && old.spec.ephemeralGb === spec.ephemeralGb) await copyFile(from.ephemeral, paths.ephemeral);
          else await makeFormattedFile(paths.ephemeral, gib(spec.ephemeralGb), ['mkfs.ext4', '-q', '-F', '-L', 'ephemeral0']);
        }
        if (record.hasSwap) await makeFormattedFile(paths.swap, spec.swapMb * 1024 * 1024, ['mkswap', '-L', 'swap0']);
        if (record.hasConfigDrive) await copyFile(from.configDrive, paths.configDrive);
        record.ownTaps = await this.plugTaps(vifs);
        await writeRecord(paths, record);
        if (powerOn) await this.start(spec.uuid, record);
      } catch (e) {
        await this.removeGuest(spec.uuid, record).catch((err: unknown) => this.options.log.error({ err, instance: spec.uuid }, 'qemu: cleanup after a failed migration finish'));
        throw e;
      }
    });
  }

  confirmMigration(uuid: string): Promise<void> {
    return this.lock.run(uuid, async () => {
      await rm(this.resizeSourceDir(uuid), { recursive: true, force: true });
    });
  }

  /** Revert, source side: the kept directory becomes the instance again and starts with the old flavor. */
  finishRevertMigration(spec: InstanceSpec, vifs: VifInfo[], powerOn: boolean): Promise<void> {
    return this.lock.run(spec.uuid, async () => {
      const kept = this.resizeSourceDir(spec.uuid);
      if (!(await exists(kept))) throw new DriverError(`Instance ${spec.uuid} has no kept disks to revert to`);
      const current = await readRecord(this.paths(spec.uuid));
      if (current) await this.removeGuest(spec.uuid, current);
      await rename(kept, this.paths(spec.uuid).dir);
      const record = { ...(await this.record(spec.uuid)), spec, vifs };
      record.ownTaps = [...new Set([...record.ownTaps, ...(await this.plugTaps(vifs))])];
      await writeRecord(this.paths(spec.uuid), record);
      if (powerOn) await this.start(spec.uuid, record);
    });
  }

  /** The instance directory a move starts from and the record kept there. */
  private async migrationSource(uuid: string, dir: string): Promise<{ from: InstancePaths; old: InstanceRecord }> {
    const from = new InstancePaths(dir);
    const old = await readRecord(from);
    if (!old) throw new DriverError(`Instance ${uuid} has no disks to migrate from`);
    return { from, old };
  }

  /** A port hot-plugged into the running guest (netdev_add + device_add), and into the record for later starts. */
  attachInterface(uuid: string, vif: VifInfo): Promise<void> {
    return this.lock.run(uuid, async () => {
      const record = await this.record(uuid);
      const paths = this.paths(uuid);
      if (record.vifs.some((v) => v.portId === vif.portId)) return;
      const made = await this.plugTaps([vif]);
      if (await runningPid(paths, uuid)) {
        const qmp = await this.monitors.get(uuid, paths.qmp);
        const nic = nicOf(vif);
        await qmp.execute('netdev_add', nic.netdev);
        try {
          await qmp.execute('device_add', nic.device);
        } catch (e) {
          await qmp.execute('netdev_del', { id: nic.netdev.id }).catch(() => undefined);
          for (const tap of made) await removeTap(tap, this.options.netns);
          throw new DriverError(`Failed to attach network adapter device to ${uuid}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      await writeRecord(paths, { ...record, vifs: [...record.vifs, vif], ownTaps: [...record.ownTaps, ...made] });
    });
  }

  /**
   * A port unplugged: device_del asks the guest to let the NIC go (ACPI hot-unplug) and
   * QEMU confirms with DEVICE_DELETED; only then is its backend removed, as libvirt does.
   */
  detachInterface(uuid: string, portId: string): Promise<void> {
    return this.lock.run(uuid, async () => {
      const record = await this.record(uuid);
      const paths = this.paths(uuid);
      const vif = record.vifs.find((v) => v.portId === portId);
      if (!vif) return;
      if (await runningPid(paths, uuid)) {
        const qmp = await this.monitors.get(uuid, paths.qmp);
        const nic = nicOf(vif);
        if (!(await deleteDevice(qmp, nic.device.id, DEVICE_DETACH_TIMEOUT_MS))) {
          throw new DriverError(`Device detach failed for ${portId}: the guest did not release the network adapter in ${DEVICE_DETACH_TIMEOUT_MS / 1000} s`);
        }
        await qmp.execute('netdev_del', { id: nic.netdev.id });
      }
      if (record.ownTaps.includes(vif.devname)) await removeTap(vif.devname, this.options.netns);
      await writeRecord(paths, { ...record, vifs: record.vifs.filter((v) => v.portId !== portId), ownTaps: record.ownTaps.filter((t) => t !== vif.devname) });
    });
  }

  /**
   * A volume's disk into the guest: hot-plugged when it runs (blockdev-add + device_add),
   * and into the record either way, so a stopped guest has it at its next start (as
   * Nova's attach to a SHUTOFF server updates the domain).
   */
  attachVolume(uuid: string, device: BlockDevice): Promise<void> {
    return this.lock.run(uuid, async () => {
      const record = await this.record(uuid);
      const paths = this.paths(uuid);
      const volumes = record.volumes ?? [];
      if (volumes.some((v) => v.deviceName === device.deviceName)) throw new DriverError(`Instance ${uuid} already has a volume at ${device.deviceName}`);
      const volume = await volumeToAttach(device);
      if (await runningPid(paths, uuid)) await hotplugVolume(await this.monitors.get(uuid, paths.qmp), volume);
      await writeRecord(paths, { ...record, volumes: [...volumes, volume] });
    });
  }

  /** A volume's disk out of the guest (released by the guest first when it runs), and out of the record. */
  detachVolume(uuid: string, deviceName: string): Promise<void> {
    return this.lock.run(uuid, async () => {
      const record = await this.record(uuid);
      const paths = this.paths(uuid);
      const volume = record.volumes?.find((v) => v.deviceName === deviceName);
      if (!volume) return;
      if (await runningPid(paths, uuid)) await unplugVolume(await this.monitors.get(uuid, paths.qmp), volume, DEVICE_DETACH_TIMEOUT_MS);
      await writeRecord(paths, { ...record, volumes: (record.volumes ?? []).filter((v) => v !== volume) });
    });
  }

  /**
   * Live migration, destination side first: the instance's directory here shares the
   * source's disk files (hard links: the same inodes, which is what shared instance
   * storage gives Nova), ports' taps ready, and a QEMU waiting for the memory stream on
   * a port of libvirt's migration range at this host's address.
   */
  preLiveMigration(spec: InstanceSpec, vifs: VifInfo[]): Promise<{ uri: string }> {
    return this.lock.run(spec.uuid, async () => {
      const { from, old } = await this.migrationSource(spec.uuid, await this.findLiveSource(spec.uuid));
      const paths = this.paths(spec.uuid);
      const record: InstanceRecord = { ...old, spec, vifs, ownTaps: [] };
      try {
        await mkdir(paths.dir, { recursive: true });
        for (const [file, wanted] of [[from.root, true], [from.ephemeral, old.hasEphemeral], [from.swap, old.hasSwap], [from.configDrive, old.hasConfigDrive]] as const) {
          if (wanted) await link(file, join(paths.dir, basename(file)));
        }
        if (old.rescued) await link(from.rescueRoot, paths.rescueRoot);
        record.ownTaps = await this.plugTaps(vifs);
        await writeRecord(paths, record);
        for (let port = MIGRATION_PORT_MIN; port <= MIGRATION_PORT_MAX; port++) {
          const uri = `tcp:${this.options.hostIp}:${port}`;
          try {
            await this.start(spec.uuid, record, { incoming: uri });
            return { uri };
          } catch (e) {
            if (!(e instanceof DriverError && /in use/i.test(e.message))) throw e;
          }
        }
        throw new DriverError(`No free live-migration port in ${MIGRATION_PORT_MIN}-${MIGRATION_PORT_MAX} on ${this.host}`);
      } catch (e) {
        await this.removeGuest(spec.uuid, record).catch((err: unknown) => this.options.log.error({ err, instance: spec.uuid }, 'qemu: cleanup after a failed live-migration prepare'));
        throw e;
      }
    });
  }

  /**
   * Live migration, source side: QMP migrate to the destination's URI while the guest
   * runs, until QEMU reports it completed (then the source QEMU quits and its directory
   * goes; the disks live on under the destination's links) or failed or was cancelled.
   */
  liveMigrate(uuid: string, destinationHost: string, uri: string): Promise<void> {
    return this.lock.run(uuid, async () => {
      await this.record(uuid);
      const paths = this.paths(uuid);
      if (!(await runningPid(paths, uuid))) throw new DriverError(`Instance ${uuid} is not running`);
      const qmp = await this.monitors.get(uuid, paths.qmp);
      this.migrating.add(uuid);
      try {
        await qmp.execute('migrate', { uri });
        const result = await waitForMigration(qmp, LIVE_MIGRATION_TIMEOUT_MS, true);
        if (result === 'cancelled') throw new MigrationCancelled(uuid);
        this.options.log.info({ instance: uuid, destination: destinationHost }, 'qemu: live migration completed');
      } finally {
        this.migrating.delete(uuid);
      }
      this.monitors.expectExit(uuid);
      await qmp.execute('quit').catch(() => undefined);
      if (!(await waitForExit(paths, uuid, 10_000))) await killQemu(paths, uuid);
      this.monitors.forget(uuid);
      await this.dropCgroup(uuid);
      const record = await readRecord(paths);
      // The taps stay: the port now belongs to the destination, whose agent moves it.
      await rm(paths.dir, { recursive: true, force: true });
      for (const tap of record?.ownTaps ?? []) await removeTap(tap, this.options.netns);
    });
  }

  /** Pauses the guest so its memory stops changing and the migration can finish (libvirt's force-complete). */
  async liveMigrationForceComplete(uuid: string): Promise<void> {
    const paths = this.paths(uuid);
    if (!this.migrating.has(uuid)) throw new DriverError(`Instance ${uuid} is not being live-migrated from ${this.host}`);
    await (await this.monitors.get(uuid, paths.qmp)).execute('stop');
  }

  async liveMigrationAbort(uuid: string): Promise<void> {
    const paths = this.paths(uuid);
    if (!this.migrating.has(uuid)) throw new DriverError(`Instance ${uuid} is not being live-migrated from ${this.host}`);
    await (await this.monitors.get(uuid, paths.qmp)).execute('migrate_cancel');
  }

  /** Live migration, destination side last: the stream has arrived; the guest runs (or stays paused when it was paused). */
  postLiveMigrationAtDestination(uuid: string, paused: boolean): Promise<void> {
    return this.lock.run(uuid, async () => {
      const paths = this.paths(uuid);
      const qmp = await this.monitors.get(uuid, paths.qmp);
      await waitForStatus(qmp, (s) => s !== 'inmigrate', 60_000);
      const { status } = await qmp.execute('query-status');
      if (!paused && status !== 'running') await qmp.execute('cont');
      if (paused && status === 'running') await qmp.execute('stop');
    });
  }

  /** Where a resized or migrated instance's disks wait for confirm or revert (Nova's `<uuid>_resize`). */
  private resizeSourceDir(uuid: string): string {
    return join(this.options.instancesPath, `${uuid}_resize`);
  }

  /** A live migration's source directory: the instance's own directory on another host of this machine. */
  private async findLiveSource(uuid: string): Promise<string> {
    const root = dirname(this.options.instancesPath);
    for (const host of await readdir(root).catch(() => [] as string[])) {
      const candidate = join(root, host, uuid);
      if (candidate !== this.paths(uuid).dir && (await exists(join(candidate, 'instance.json')))) return candidate;
    }
    throw new DriverError(`Instance ${uuid}'s disks were not found for the live migration: moving disks between machines needs shared instance storage`);
  }

  /** The kept source of a migration: on this host, else on a host beside it on this machine. */
  private async findResizeSource(uuid: string): Promise<string> {
    const own = this.resizeSourceDir(uuid);
    if (await exists(own)) return own;
    const root = dirname(this.options.instancesPath);
    for (const host of await readdir(root).catch(() => [] as string[])) {
      const candidate = join(root, host, `${uuid}_resize`);
      if (await exists(candidate)) return candidate;
    }
    throw new DriverError(`Instance ${uuid}'s disks were not found for the migration: moving disks between machines needs shared instance storage`);
  }

  /** A copied overlay points at the other host's cache: point it at this host's copy of the same image. */
  private async rebaseOnOwnCache(disk: string, imageId: string): Promise<void> {
    const base = await this.cache.ensure(imageId);
    // An unshelved instance's disk sits on the shelved snapshot (deleted since) while its image is the original
    // again (Nova bug 1732428): then the differences are rewritten against the new base, not only repointed.
    const backing = (await imageInfo(disk, 'qcow2')).backingFile;
    if (!backing || basename(backing) === basename(base.path)) await rebaseUnsafe(disk, base.path, base.format);
    else await rebaseSafe(disk, base.path, base.format);
  }

}
