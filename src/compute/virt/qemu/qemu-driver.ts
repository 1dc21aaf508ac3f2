import { copyFile, link, mkdir, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { KeyedLock } from '../../../core/concurrency/keyed-lock.js';
import { runCommand } from '../../../core/exec.js';
import type { Logger } from '../../../core/log.js';
import {
  DriverError, MigrationCancelled, PowerState, type BlockDevice, type DriverCapabilities, type HostResources, type InstanceDiagnostics, type InstanceSpec, type PowerStateValue,
  type VifInfo, type VirtDriver, type VncConsole,
} from '../driver.js';
import { probeAccelerator } from './accel-probe.js';
import { CgroupsUnavailable, GuestCgroups } from './cgroups.js';
import { writeConfigDrive } from './config-drive-iso.js';
import { ImageCache, type ImageSource } from './image-cache.js';
import { InstancePaths, readRecord, writeRecord, type InstanceRecord } from './instance-files.js';
import { Monitors } from './monitors.js';
import { createOverlay, gib, growDisk, rebaseUnsafe } from './qemu-img.js';
import { nicOf, qemuArgs, type Accelerator, type LaunchOptions } from './qemu-command.js';
import { killQemu, launchQemu, qemuVersion, runningPid, waitForExit } from './qemu-process.js';
import { ensureTap, removeTap } from './taps.js';
import { consoleTail, guestDiagnostics } from './guest-readings.js';
import { snapshotDisk } from './snapshot.js';

export interface QemuDriverOptions {
  /** This host's instance directories and image cache ([qemu] instances_path/<host>). */
  instancesPath: string;
  /** kvm, qemu (TCG) or auto: probe KVM and fall back to TCG ([qemu] virt_type). */
  virtType: 'auto' | 'kvm' | 'qemu';
  /** Kernels the KVM probe may boot, first existing one wins. */
  probeKernels: string[];
  probeTimeoutMs: number;
  /** Address VNC servers listen on ([vnc] server_listen); for a fake host, its own address. */
  vncListen: string;
  /** The host's address for other hosts: live migration streams come in here. */
  hostIp: string;
  /** Run QEMU, and find its taps, inside this network namespace (a fake host standing in a namespace). */
  netns?: string;
  /** Every instance gets a config drive ([DEFAULT] force_config_drive). */
  forceConfigDrive: boolean;
  /** How long a spawn waits for the network agent's tap before making one itself. */
  tapWaitMs: number;
  images: ImageSource;
  /** The config drive's files for an instance (the conductor builds them from the metadata service's documents). */
  configDriveFiles(uuid: string): Promise<Record<string, string | Buffer>>;
  log: Logger;
}

/**
 * The QEMU virt driver (Nova's libvirt driver without libvirt): one daemonized
 * qemu-system-x86_64 per instance, driven over QMP, its files under
 * `<instances_path>/<uuid>/` with a record that lets a restarted agent reattach to
 * running guests instead of killing them. Operations on one instance run one at a time.
 */
export class QemuDriver implements VirtDriver {
  readonly capabilities: DriverCapabilities = {
    hasImagecache: true, supportsRecreate: false, supportsAttachInterface: true, supportsMultiattach: false, supportsLiveMigration: true,
    supportsSuspend: true, supportsPause: true, supportsRescue: true, supportsConsoleOutput: true, supportsVncConsole: true,
  };
  private readonly lock = new KeyedLock();
  private readonly monitors: Monitors;
  private readonly cache: ImageCache;
  private accel: Accelerator = 'tcg';
  private accelReason = 'not probed';
  private host = '';
  private cgroups = new GuestCgroups('');
  private version = 0;
  private lifecycleListener: ((uuid: string) => void) | null = null;
  /** Instances streaming to another host now (force-complete and abort apply to them). */
  private readonly migrating = new Set<string>();

  constructor(private readonly options: QemuDriverOptions) {
    this.cache = new ImageCache(`${options.instancesPath}/_base`, options.images);
    this.monitors = new Monitors((uuid) => {
      options.log.info({ instance: uuid }, 'qemu: guest exited');
      this.lifecycleListener?.(uuid);
    });
  }

  setLifecycleListener(listener: (uuid: string) => void): void {
    this.lifecycleListener = listener;
  }

  async init(host: string): Promise<void> {
    this.host = host;
    this.cgroups = new GuestCgroups(host);
    await mkdir(this.options.instancesPath, { recursive: true });
    this.version = await qemuVersion().catch(() => {
      throw new DriverError('qemu-system-x86_64 is not installed (Debian package qemu-system-x86)');
    });
    const { virtType } = this.options;
    if (virtType === 'qemu') [this.accel, this.accelReason] = ['tcg', '[qemu] virt_type = qemu'];
    else {
      const probe = await probeAccelerator(this.options.probeKernels, this.options.probeTimeoutMs);
      if (virtType === 'kvm' && probe.accel !== 'kvm') throw new DriverError(`[qemu] virt_type = kvm, but KVM does not work here: ${probe.reason}`);
      [this.accel, this.accelReason] = [probe.accel, probe.reason];
    }
    this.options.log.info({ host, accel: this.accel, reason: this.accelReason }, `qemu: guests run under ${this.accel.toUpperCase()}`);
    // Guests that ran before this agent started keep running: reattach so their exits are heard.
    for (const uuid of await this.listInstances()) {
      const paths = this.paths(uuid);
      if (await runningPid(paths, uuid)) await this.monitors.get(uuid, paths.qmp).catch((e: unknown) => this.options.log.warn({ err: e, instance: uuid }, 'qemu: guest monitor not reachable'));
    }
  }

  async hostResources(): Promise<HostResources> {
    const fs = await statfs(this.options.instancesPath);
    const cpuList = cpus();
    return {
      hypervisorHostname: this.host, hypervisorType: 'QEMU', hypervisorVersion: this.version,
      vcpus: cpuList.length, memoryMb: Math.floor(totalmem() / 1024 / 1024), localGb: Math.floor((fs.blocks * fs.bsize) / gib(1)),
      cpuInfo: {
        arch: 'x86_64', model: this.accel === 'kvm' ? 'host' : 'qemu64', vendor: vendorOf(cpuList[0]?.model ?? ''),
        topology: { sockets: 1, cores: cpuList.length, threads: 1 }, features: [],
        // Not in Nova's cpu_info: which accelerator the guests really get (KVM hangs on some hosts and TCG is used).
        accelerator: this.accel, accelerator_reason: this.accelReason,
      },
      hostIp: this.options.hostIp,
    };
  }

  async listInstances(): Promise<string[]> {
    const names = await readdir(this.options.instancesPath).catch(() => [] as string[]);
    const out: string[] = [];
    for (const name of names) {
      if (/^[0-9a-f-]{36}$/.test(name) && (await readRecord(this.paths(name)))) out.push(name);
    }
    return out;
  }

  async powerState(uuid: string): Promise<PowerStateValue> {
    const paths = this.paths(uuid);
    if (!(await readRecord(paths))) return PowerState.NOSTATE;
    if (!(await runningPid(paths, uuid))) {
      return (await exists(paths.savedState)) ? PowerState.SUSPENDED : PowerState.SHUTDOWN;
    }
    try {
      const { status } = await (await this.monitors.get(uuid, paths.qmp)).execute('query-status');
      return powerStateOf(status);
    } catch {
      return (await runningPid(paths, uuid)) ? PowerState.NOSTATE : PowerState.SHUTDOWN;
    }
  }

  spawn(spec: InstanceSpec, vifs: VifInfo[], disks: BlockDevice[]): Promise<void> {
    return this.lock.run(spec.uuid, async () => {
      if (disks.some((d) => d.sourceType === 'volume')) throw new DriverError('The QEMU driver cannot attach volumes yet');
      const paths = this.paths(spec.uuid);
      if (await readRecord(paths)) throw new DriverError(`Instance ${spec.uuid} already exists on ${this.host}`);
      const record: InstanceRecord = {
        spec, vifs, rootFormat: 'qcow2', hasEphemeral: spec.ephemeralGb > 0, hasSwap: spec.swapMb > 0,
        hasConfigDrive: spec.configDrive || this.options.forceConfigDrive, ownTaps: [], rescued: false,
      };
      try {
        await mkdir(paths.dir, { recursive: true });
        await this.createRootDisk(spec, paths.root, spec.imageId);
        if (record.hasEphemeral) await makeFormattedFile(paths.ephemeral, gib(spec.ephemeralGb), ['mkfs.ext4', '-q', '-F', '-L', 'ephemeral0']);
        if (record.hasSwap) await makeFormattedFile(paths.swap, spec.swapMb * 1024 * 1024, ['mkswap', '-L', 'swap0']);
        if (record.hasConfigDrive) await writeConfigDrive(paths.configDrive, await this.options.configDriveFiles(spec.uuid));
        record.ownTaps = await this.plugTaps(vifs);
        await writeRecord(paths, record);
        await this.start(spec.uuid, record);
      } catch (e) {
        await this.removeGuest(spec.uuid, record).catch((err: unknown) => this.options.log.error({ err, instance: spec.uuid }, 'qemu: cleanup after a failed spawn'));
        throw e;
      }
    });
  }

  destroy(uuid: string): Promise<void> {
    return this.lock.run(uuid, async () => {
      const record = await readRecord(this.paths(uuid));
      await this.removeGuest(uuid, record);
    });
  }

  reboot(uuid: string, type: 'SOFT' | 'HARD'): Promise<void> {
    return this.lock.run(uuid, async () => {
      const record = await this.record(uuid);
      const paths = this.paths(uuid);
      if (type === 'HARD' && (await runningPid(paths, uuid))) {
        const qmp = await this.monitors.get(uuid, paths.qmp);
        await qmp.execute('system_reset');
        if ((await qmp.execute('query-status')).status === 'paused') await qmp.execute('cont');
        return;
      }
      // Soft (and hard with no QEMU): as libvirt's soft reboot, a clean shutdown and a fresh start.
      await this.shutdown(uuid, 120);
      await this.start(uuid, record);
    });
  }

  powerOff(uuid: string, timeoutSeconds: number): Promise<void> {
    return this.lock.run(uuid, async () => {
      await this.record(uuid);
      await this.shutdown(uuid, timeoutSeconds);
      await this.dropCgroup(uuid);
    });
  }

  powerOn(uuid: string): Promise<void> {
    return this.lock.run(uuid, async () => {
      const record = await this.record(uuid);
      if (await runningPid(this.paths(uuid), uuid)) return;
      await this.plugTaps(record.vifs);
      await this.start(uuid, record);
    });
  }

  pause(uuid: string): Promise<void> {
    return this.withMonitor(uuid, async (qmp) => { await qmp.execute('stop'); });
  }

  unpause(uuid: string): Promise<void> {
    return this.withMonitor(uuid, async (qmp) => { await qmp.execute('cont'); });
  }

  /**
   * Nova's managed save: the stopped guest's memory and devices go to a file (QMP
   * migrate to `exec:cat`), QEMU quits and frees the host's memory; resume starts a
   * new QEMU that loads the file and continues where the guest was.
   */
  suspend(uuid: string): Promise<void> {
    return this.withMonitor(uuid, async (qmp, paths) => {
      await qmp.execute('stop');
      await qmp.execute('migrate', { uri: `exec:cat > ${shellQuote(paths.savedState)}` });
      await waitForMigration(qmp, 600_000);
      this.monitors.expectExit(uuid);
      await qmp.execute('quit').catch(() => undefined);
      if (!(await waitForExit(paths, uuid, 30_000))) await killQemu(paths, uuid);
      this.monitors.forget(uuid);
      await this.dropCgroup(uuid);
    });
  }

  resume(uuid: string): Promise<void> {
    return this.lock.run(uuid, async () => {
      const record = await this.record(uuid);
      const paths = this.paths(uuid);
      if (!(await exists(paths.savedState))) throw new DriverError(`Instance ${uuid} has no saved state to resume from`);
      await this.plugTaps(record.vifs);
      await this.start(uuid, record, { incoming: `exec:cat ${shellQuote(paths.savedState)}`, paused: true });
      const qmp = await this.monitors.get(uuid, paths.qmp);
      await waitForStatus(qmp, (s) => s !== 'inmigrate', 600_000);
      await qmp.execute('cont');
      await rm(paths.savedState, { force: true });
    });
  }

  rescue(uuid: string, rescueImageId: string | null): Promise<void> {
    return this.lock.run(uuid, async () => {
      const record = await this.record(uuid);
      const paths = this.paths(uuid);
      await this.shutdown(uuid, 60);
      await rm(paths.rescueRoot, { force: true });
      await this.createRootDisk(record.spec, paths.rescueRoot, rescueImageId ?? record.spec.imageId, false);
      const rescued = { ...record, rescued: true };
      await writeRecord(paths, rescued);
      await this.start(uuid, rescued);
    });
  }

  unrescue(uuid: string): Promise<void> {
    return this.lock.run(uuid, async () => {
      const record = await this.record(uuid);
      const paths = this.paths(uuid);
      await this.shutdown(uuid, 0);
      const plain = { ...record, rescued: false };
      await writeRecord(paths, plain);
      await rm(paths.rescueRoot, { force: true });
      await this.start(uuid, plain);
    });
  }

  snapshot(uuid: string, targetPath: string): Promise<{ diskFormat: string; sizeBytes: number }> {
    return this.lock.run(uuid, async () => {
      const record = await this.record(uuid);
      const paths = this.paths(uuid);
      const running = (await runningPid(paths, uuid)) !== null;
      return snapshotDisk({ root: paths.root, format: record.rootFormat, nodeName: record.rescued ? 'drive-virtio-disk1' : 'drive-virtio-disk0' }, targetPath,
        running ? await this.monitors.get(uuid, paths.qmp) : null);
    });
  }

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
      const source = await this.findResizeSource(spec.uuid);
      const from = new InstancePaths(source);
      const old = await readRecord(from);
      if (!old) throw new DriverError(`Instance ${spec.uuid} has no disks to migrate from`);
      const paths = this.paths(spec.uuid);
      const record: InstanceRecord = { ...old, spec, vifs, hasEphemeral: spec.ephemeralGb > 0, hasSwap: spec.swapMb > 0, ownTaps: [], rescued: false };
      try {
        await mkdir(paths.dir, { recursive: true });
        await copyFile(from.root, paths.root);
        if (spec.imageId && !source.startsWith(`${this.options.instancesPath}/`)) await this.rebaseOnOwnCache(paths.root, spec.imageId);
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
        const deleted = qmp.waitEvent('DEVICE_DELETED', DEVICE_DETACH_TIMEOUT_MS, (d) => d['device'] === nic.device.id);
        deleted.catch(() => undefined);
        await qmp.execute('device_del', { id: nic.device.id });
        try {
          await deleted;
        } catch {
          throw new DriverError(`Device detach failed for ${portId}: the guest did not release the network adapter in ${DEVICE_DETACH_TIMEOUT_MS / 1000} s`);
        }
        await qmp.execute('netdev_del', { id: nic.netdev.id });
      }
      if (record.ownTaps.includes(vif.devname)) await removeTap(vif.devname, this.options.netns);
      await writeRecord(paths, { ...record, vifs: record.vifs.filter((v) => v.portId !== portId), ownTaps: record.ownTaps.filter((t) => t !== vif.devname) });
    });
  }

  async attachVolume(): Promise<void> {
    throw new DriverError('The QEMU driver cannot attach volumes yet');
  }

  async detachVolume(): Promise<void> {
    throw new DriverError('The QEMU driver cannot detach volumes yet');
  }

  /**
   * Live migration, destination side first: the instance's directory here shares the
   * source's disk files (hard links: the same inodes, which is what shared instance
   * storage gives Nova), ports' taps ready, and a QEMU waiting for the memory stream on
   * a port of libvirt's migration range at this host's address.
   */
  preLiveMigration(spec: InstanceSpec, vifs: VifInfo[]): Promise<{ uri: string }> {
    return this.lock.run(spec.uuid, async () => {
      const source = await this.findLiveSource(spec.uuid);
      const from = new InstancePaths(source);
      const old = await readRecord(from);
      if (!old) throw new DriverError(`Instance ${spec.uuid} has no disks to migrate from`);
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

  async setAdminPassword(uuid: string): Promise<void> {
    await this.record(uuid);
    // Nova's libvirt driver needs the QEMU guest agent for this; the guests here have none.
    throw new DriverError('Setting the admin password needs a guest agent, which this QEMU guest does not run');
  }

  async consoleOutput(uuid: string, lines?: number): Promise<string> {
    await this.record(uuid);
    return consoleTail(this.paths(uuid).console, lines);
  }

  async vncConsole(uuid: string): Promise<VncConsole> {
    let port = 0;
    await this.withMonitor(uuid, async (qmp) => {
      const vnc = await qmp.execute('query-vnc');
      port = Number(vnc.service);
      if (!vnc.enabled || !Number.isInteger(port) || port <= 0) throw new DriverError(`Instance ${uuid} has no VNC server`);
    });
    return { host: this.options.vncListen, port };
  }

  async diagnostics(uuid: string): Promise<InstanceDiagnostics> {
    const record = await this.record(uuid);
    const paths = this.paths(uuid);
    const pid = await runningPid(paths, uuid);
    return guestDiagnostics(record, pid, pid ? await this.monitors.get(uuid, paths.qmp) : null, await this.powerState(uuid));
  }

  async close(): Promise<void> {
    // The guests keep running: a restarted agent reattaches to them.
    this.monitors.closeAll();
  }

  private paths(uuid: string): InstancePaths {
    return InstancePaths.of(this.options.instancesPath, uuid);
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
    await rebaseUnsafe(disk, base.path, base.format);
  }

  /** The instance's record; DriverError (Nova's InstanceNotFound) when this host has no such guest. */
  private async record(uuid: string): Promise<InstanceRecord> {
    const record = await readRecord(this.paths(uuid));
    if (!record) throw new DriverError(`Instance ${uuid} could not be found on ${this.host}.`);
    return record;
  }

  /** Runs `work` on a running guest's monitor, one operation per instance at a time. */
  private withMonitor(uuid: string, work: (qmp: Awaited<ReturnType<Monitors['get']>>, paths: InstancePaths) => Promise<void>): Promise<void> {
    return this.lock.run(uuid, async () => {
      await this.record(uuid);
      const paths = this.paths(uuid);
      if (!(await runningPid(paths, uuid))) throw new DriverError(`Instance ${uuid} is not running`);
      await work(await this.monitors.get(uuid, paths.qmp), paths);
    });
  }

  /** A qcow2 overlay on the cached image, grown to the flavor's root disk. */
  private async createRootDisk(spec: InstanceSpec, path: string, imageId: string | null, checkSize = true): Promise<void> {
    if (!imageId) throw new DriverError('The QEMU driver boots from images only until block storage arrives');
    const base = await this.cache.ensure(imageId);
    const flavorBytes = gib(spec.rootGb);
    if (checkSize && spec.rootGb > 0 && base.virtualSize > flavorBytes) {
      throw new DriverError(`Flavor's disk is too small for requested image. Flavor disk is ${flavorBytes} bytes, image is ${base.virtualSize} bytes.`);
    }
    await createOverlay(path, base.path, base.format, spec.rootGb > 0 && flavorBytes > base.virtualSize ? flavorBytes : null);
  }

  /** Each port's tap ready for QEMU; answers the taps the driver had to make itself. */
  private async plugTaps(vifs: VifInfo[]): Promise<string[]> {
    const made: string[] = [];
    for (const vif of vifs) if ((await ensureTap(vif.devname, this.options.tapWaitMs, this.options.netns)).madeHere) made.push(vif.devname);
    return made;
  }

  private async start(uuid: string, record: InstanceRecord, extra: Partial<LaunchOptions> = {}): Promise<void> {
    const paths = this.paths(uuid);
    const pid = await launchQemu(paths, qemuArgs(record, paths, { accel: this.accel, vncListen: this.options.vncListen, ...extra }), this.options.netns);
    this.options.log.info({ instance: uuid, pid, accel: this.accel }, 'qemu: guest started');
    // The flavor's CPU and memory limits; a host that cannot enforce them runs the guest without (logged), a bad flavor fails.
    await this.cgroups.place(uuid, pid, record.spec.extraSpecs, record.spec.memoryMb).catch(async (e: unknown) => {
      if (!(e instanceof CgroupsUnavailable)) { await killQemu(paths, uuid); throw e; }
      this.options.log.warn({ instance: uuid, pid }, `qemu: ${e.message}`);
    });
    await this.monitors.get(uuid, paths.qmp);
  }

  /**
   * A clean stop: the ACPI power button, then `timeoutSeconds` for the guest to power
   * off (QEMU exits with it), then QEMU is killed. 0 kills at once (a forced stop).
   */
  private async shutdown(uuid: string, timeoutSeconds: number): Promise<void> {
    const paths = this.paths(uuid);
    if (!(await runningPid(paths, uuid))) return;
    const qmp = await this.monitors.get(uuid, paths.qmp).catch(() => null);
    if (qmp) this.monitors.expectExit(uuid);
    if (qmp && timeoutSeconds > 0) {
      const status = await qmp.execute('query-status').catch(() => null);
      // A paused guest cannot see the button: it is stopped hard, as libvirt does.
      if (status?.running) {
        // As Nova's clean shutdown: the button again every 10 s, for a guest that was still booting when it was first pressed.
        const end = Date.now() + timeoutSeconds * 1000;
        while (Date.now() < end) {
          await qmp.execute('system_powerdown').catch(() => undefined);
          if (await waitForExit(paths, uuid, Math.min(POWERDOWN_RETRY_MS, end - Date.now()))) {
            this.monitors.forget(uuid);
            return;
          }
        }
        this.options.log.warn({ instance: uuid, timeoutSeconds }, 'qemu: guest ignored the power button: forcing it off');
      }
    }
    await killQemu(paths, uuid);
    this.monitors.forget(uuid);
  }

  /** The guest's cgroup once its QEMU is gone; a leftover is logged, never fatal (the next start reuses it). */
  private async dropCgroup(uuid: string): Promise<void> {
    await this.cgroups.remove(uuid).catch((err: unknown) => this.options.log.warn({ err, instance: uuid }, 'qemu: guest cgroup not removed'));
  }

  /** Stops the guest and removes everything it had here: its QEMU, its files and the taps the driver made. */
  private async removeGuest(uuid: string, record: InstanceRecord | null): Promise<void> {
    const paths = this.paths(uuid);
    this.monitors.expectExit(uuid);
    await killQemu(paths, uuid);
    this.monitors.forget(uuid);
    await this.dropCgroup(uuid);
    for (const tap of record?.ownTaps ?? []) await removeTap(tap, this.options.netns);
    await rm(paths.dir, { recursive: true, force: true });
  }
}

/** libvirt's default live-migration port range (migration_port_min/max in qemu.conf). */
const MIGRATION_PORT_MIN = 49152;
const MIGRATION_PORT_MAX = 49215;
/** A live migration that has not converged in this long is cancelled. */
const LIVE_MIGRATION_TIMEOUT_MS = 600_000;

/** How long a guest has to release a hot-unplugged device (libvirt waits about as long). */
const DEVICE_DETACH_TIMEOUT_MS = 30_000;

/** How often a clean shutdown presses the power button again (Nova's SHUTDOWN_RETRY_INTERVAL). */
const POWERDOWN_RETRY_MS = 10_000;

/** Nova's power state for a QMP run state. */
function powerStateOf(status: string): PowerStateValue {
  switch (status) {
    case 'running': return PowerState.RUNNING;
    case 'paused': case 'inmigrate': case 'postmigrate': case 'prelaunch': case 'finish-migrate': case 'restore-vm': case 'save-vm': case 'debug': return PowerState.PAUSED;
    case 'suspended': return PowerState.SUSPENDED;
    case 'shutdown': return PowerState.SHUTDOWN;
    case 'internal-error': case 'io-error': case 'guest-panicked': case 'watchdog': return PowerState.CRASHED;
    default: return PowerState.NOSTATE;
  }
}

/** Polls a running migration (a save to a file, or a live migration) to its end: 'completed', or 'cancelled' when cancellation is expected. */
async function waitForMigration(qmp: Awaited<ReturnType<Monitors['get']>>, timeoutMs: number, cancellable = false): Promise<'completed' | 'cancelled'> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const m = await qmp.execute('query-migrate');
    if (m.status === 'completed') return 'completed';
    if (m.status === 'cancelled' && cancellable) return 'cancelled';
    if (m.status === 'failed' || m.status === 'cancelled') throw new DriverError(`Migration of the guest's state failed: ${m['error-desc'] ?? m.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (cancellable) await qmp.execute('migrate_cancel').catch(() => undefined);
  throw new DriverError(`Migration of the guest's state did not finish in ${timeoutMs / 1000} s`);
}

async function waitForStatus(qmp: Awaited<ReturnType<Monitors['get']>>, done: (status: string) => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (done((await qmp.execute('query-status')).status)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new DriverError(`The guest's saved state did not load in ${timeoutMs / 1000} s`);
}

/** A sparse file of `bytes`, formatted by `mkfs` (Nova formats ephemeral disks ext4 and swap disks with mkswap). */
async function makeFormattedFile(path: string, bytes: number, mkfs: string[]): Promise<void> {
  await runCommand('truncate', ['-s', String(bytes), path]);
  await runCommand(mkfs[0]!, [...mkfs.slice(1), path], { timeoutMs: 120_000 });
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function vendorOf(model: string): string {
  if (/intel/i.test(model)) return 'Intel';
  if (/amd/i.test(model)) return 'AMD';
  return 'unknown';
}

