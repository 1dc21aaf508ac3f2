import { mkdir, readdir, rm, stat, statfs } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { KeyedLock } from '../../../core/concurrency/keyed-lock.js';
import { runCommand } from '../../../core/exec.js';
import type { Logger } from '../../../core/log.js';
import {
  DriverError, PowerState, type BlockDevice, type HostResources, type InstanceDiagnostics, type InstanceSpec, type PowerStateValue,
  type VifInfo, type VncConsole,
} from '../driver.js';
import { probeAccelerator } from './accel-probe.js';
import { CgroupsUnavailable, GuestCgroups } from './cgroups.js';
import { writeConfigDrive } from './config-drive-iso.js';
import { ImageCache, type ImageSource } from './image-cache.js';
import { InstancePaths, readRecord, writeRecord, type InstanceRecord } from './instance-files.js';
import { Monitors } from './monitors.js';
import { powerStateOf, waitForMigration, waitForStatus } from './qmp-waits.js';
import { createOverlay, gib } from './qemu-img.js';
import { qemuArgs, type Accelerator, type LaunchOptions } from './qemu-command.js';
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
 * The QEMU guests of one host, without the moves (see qemu-driver.ts): one daemonized
 * qemu-system-x86_64 per instance, driven over QMP, its files under
 * `<instances_path>/<uuid>/` with a record that lets a restarted agent reattach to
 * running guests instead of killing them. Operations on one instance run one at a time.
 */
export abstract class QemuGuests {
  protected readonly lock = new KeyedLock();
  protected readonly monitors: Monitors;
  protected readonly cache: ImageCache;
  protected accel: Accelerator = 'tcg';
  protected accelReason = 'not probed';
  protected host = '';
  protected cgroups = new GuestCgroups('');
  protected version = 0;
  protected lifecycleListener: ((uuid: string) => void) | null = null;

  constructor(protected readonly options: QemuDriverOptions) {
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
      // When each step ended (ms since spawn began), logged: where a slow boot's time went before QEMU ran.
      const began = Date.now();
      const msAt: Record<string, number> = {};
      const done = (step: string): void => { msAt[step] = Date.now() - began; };
      try {
        await mkdir(paths.dir, { recursive: true });
        await this.createRootDisk(spec, paths.root, spec.imageId);
        done('rootDisk');
        if (record.hasEphemeral) await makeFormattedFile(paths.ephemeral, gib(spec.ephemeralGb), ['mkfs.ext4', '-q', '-F', '-L', 'ephemeral0']);
        if (record.hasSwap) await makeFormattedFile(paths.swap, spec.swapMb * 1024 * 1024, ['mkswap', '-L', 'swap0']);
        if (record.hasConfigDrive) await writeConfigDrive(paths.configDrive, await this.options.configDriveFiles(spec.uuid));
        done('disks');
        record.ownTaps = await this.plugTaps(vifs);
        done('taps');
        await writeRecord(paths, record);
        await this.start(spec.uuid, record);
        done('started');
        this.options.log.info({ instance: spec.uuid, msAt }, 'qemu: spawned');
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

  /** Nova's libvirt driver injects an NMI (virDomainInjectNMI); QMP's inject-nmi is the same. */
  triggerCrashDump(uuid: string): Promise<void> {
    return this.withMonitor(uuid, async (qmp) => { await qmp.execute('inject-nmi'); });
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

  protected paths(uuid: string): InstancePaths {
    return InstancePaths.of(this.options.instancesPath, uuid);
  }

  /** The instance's record; DriverError (Nova's InstanceNotFound) when this host has no such guest. */
  protected async record(uuid: string): Promise<InstanceRecord> {
    const record = await readRecord(this.paths(uuid));
    if (!record) throw new DriverError(`Instance ${uuid} could not be found on ${this.host}.`);
    return record;
  }

  /** Runs `work` on a running guest's monitor, one operation per instance at a time. */
  protected withMonitor(uuid: string, work: (qmp: Awaited<ReturnType<Monitors['get']>>, paths: InstancePaths) => Promise<void>): Promise<void> {
    return this.lock.run(uuid, async () => {
      await this.record(uuid);
      const paths = this.paths(uuid);
      if (!(await runningPid(paths, uuid))) throw new DriverError(`Instance ${uuid} is not running`);
      await work(await this.monitors.get(uuid, paths.qmp), paths);
    });
  }

  /** A qcow2 overlay on the cached image, grown to the flavor's root disk. */
  protected async createRootDisk(spec: InstanceSpec, path: string, imageId: string | null, checkSize = true): Promise<void> {
    if (!imageId) throw new DriverError('The QEMU driver boots from images only until block storage arrives');
    const base = await this.cache.ensure(imageId);
    const flavorBytes = gib(spec.rootGb);
    if (checkSize && spec.rootGb > 0 && base.virtualSize > flavorBytes) {
      throw new DriverError(`Flavor's disk is too small for requested image. Flavor disk is ${flavorBytes} bytes, image is ${base.virtualSize} bytes.`);
    }
    await createOverlay(path, base.path, base.format, spec.rootGb > 0 && flavorBytes > base.virtualSize ? flavorBytes : null);
  }

  /** Each port's tap ready for QEMU; answers the taps the driver had to make itself. */
  protected async plugTaps(vifs: VifInfo[]): Promise<string[]> {
    const made: string[] = [];
    for (const vif of vifs) if ((await ensureTap(vif.devname, this.options.tapWaitMs, this.options.netns)).madeHere) made.push(vif.devname);
    return made;
  }

  protected async start(uuid: string, record: InstanceRecord, extra: Partial<LaunchOptions> = {}): Promise<void> {
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
  protected async shutdown(uuid: string, timeoutSeconds: number): Promise<void> {
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
  protected async dropCgroup(uuid: string): Promise<void> {
    await this.cgroups.remove(uuid).catch((err: unknown) => this.options.log.warn({ err, instance: uuid }, 'qemu: guest cgroup not removed'));
  }

  /** Stops the guest and removes everything it had here: its QEMU, its files and the taps the driver made. */
  protected async removeGuest(uuid: string, record: InstanceRecord | null): Promise<void> {
    const paths = this.paths(uuid);
    this.monitors.expectExit(uuid);
    await killQemu(paths, uuid);
    this.monitors.forget(uuid);
    await this.dropCgroup(uuid);
    for (const tap of record?.ownTaps ?? []) await removeTap(tap, this.options.netns);
    await rm(paths.dir, { recursive: true, force: true });
  }
}

/** How often a clean shutdown presses the power button again (Nova's SHUTDOWN_RETRY_INTERVAL). */
const POWERDOWN_RETRY_MS = 10_000;

/** A sparse file of `bytes`, formatted by `mkfs` (Nova formats ephemeral disks ext4 and swap disks with mkswap). */
export async function makeFormattedFile(path: string, bytes: number, mkfs: string[]): Promise<void> {
  await runCommand('truncate', ['-s', String(bytes), path]);
  await runCommand(mkfs[0]!, [...mkfs.slice(1), path], { timeoutMs: 120_000 });
}

export const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function vendorOf(model: string): string {
  if (/intel/i.test(model)) return 'Intel';
  if (/amd/i.test(model)) return 'AMD';
  return 'unknown';
}

