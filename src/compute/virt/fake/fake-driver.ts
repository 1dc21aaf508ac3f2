import { writeFile } from 'node:fs/promises';
import {
  DriverError, MigrationCancelled, PowerState, type BlockDevice, type DriverCapabilities, type HostResources, type InstanceDiagnostics, type InstanceSpec, type PowerStateValue,
  type VifInfo, type VirtDriver, type VncConsole,
} from '../driver.js';

export interface FakeDriverOptions {
  vcpus: number;
  memoryMb: number;
  localGb: number;
  /** Milliseconds every operation takes (0: immediate), to model a slow hypervisor. */
  delayMs: number;
  /** Spawns of instances whose name matches fail with a DriverError (failure injection). */
  spawnFailurePattern?: RegExp;
}

interface FakeInstance {
  spec: InstanceSpec;
  power: PowerStateValue;
  vifs: Map<string, VifInfo>;
  volumes: Map<string, BlockDevice>;
  rescued: boolean;
  console: string[];
  /** When the guest last started (ms since the epoch), for its uptime. */
  startedAt: number;
}

/**
 * A hypervisor in memory: instances move through the same power states a real one
 * reports, each operation may take `delayMs`, and spawns can be made to fail. It lets
 * the whole control plane (scheduler, agents, network binding, state machine) run
 * without guests, and many fake hosts share one process for tests and benchmarks.
 */
export class FakeDriver implements VirtDriver {
  readonly capabilities: DriverCapabilities = {
    hasImagecache: true, supportsRecreate: true, supportsAttachInterface: true, supportsMultiattach: true, supportsLiveMigration: true,
    supportsSuspend: true, supportsPause: true, supportsRescue: true, supportsConsoleOutput: true, supportsVncConsole: true,
  };
  private readonly instances = new Map<string, FakeInstance>();
  /** Source copies of resized or migrated instances, kept for a revert until confirmed. */
  private readonly resizeSources = new Map<string, FakeInstance>();
  /** Live migrations streaming from this host, so they can be aborted or forced to complete. */
  private readonly streams = new Map<string, { cancelled: boolean; finish(): void }>();
  private host = 'fake';

  constructor(private readonly options: FakeDriverOptions) {}

  async init(host: string): Promise<void> {
    this.host = host;
  }

  async hostResources(): Promise<HostResources> {
    return {
      hypervisorHostname: this.host, hypervisorType: 'fake', hypervisorVersion: 1000, vcpus: this.options.vcpus, memoryMb: this.options.memoryMb,
      localGb: this.options.localGb, cpuInfo: { arch: 'x86_64', model: 'fake', vendor: 'Stratus', topology: { sockets: 1, cores: this.options.vcpus, threads: 1 }, features: [] },
      hostIp: '127.0.0.1',
    };
  }

  async listInstances(): Promise<string[]> {
    return [...this.instances.keys()];
  }

  async powerState(uuid: string): Promise<PowerStateValue> {
    return this.instances.get(uuid)?.power ?? PowerState.NOSTATE;
  }

  async spawn(spec: InstanceSpec, vifs: VifInfo[]): Promise<void> {
    await this.pause_();
    if (this.options.spawnFailurePattern?.test(spec.name)) throw new DriverError(`Fake driver failed to spawn ${spec.name} (failure injected)`);
    this.instances.set(spec.uuid, fakeInstance(spec, vifs, PowerState.RUNNING, bootLog(spec, vifs, this.host)));
  }

  async destroy(uuid: string): Promise<void> {
    await this.pause_();
    // A resize source is not the guest: only confirmMigration drops it (a same-host revert destroys the new guest first).
    this.instances.delete(uuid);
  }

  async reboot(uuid: string, type: 'SOFT' | 'HARD'): Promise<void> {
    const i = await this.op(uuid);
    i.power = PowerState.RUNNING;
    i.console.push(`reboot: Restarting system (${type.toLowerCase()})`, ...bootLog(i.spec, [...i.vifs.values()], this.host));
  }

  async powerOff(uuid: string): Promise<void> {
    (await this.op(uuid)).power = PowerState.SHUTDOWN;
  }

  async powerOn(uuid: string): Promise<void> {
    (await this.op(uuid)).power = PowerState.RUNNING;
  }

  async pause(uuid: string): Promise<void> {
    (await this.op(uuid)).power = PowerState.PAUSED;
  }

  async unpause(uuid: string): Promise<void> {
    (await this.op(uuid)).power = PowerState.RUNNING;
  }

  async suspend(uuid: string): Promise<void> {
    (await this.op(uuid)).power = PowerState.SUSPENDED;
  }

  async resume(uuid: string): Promise<void> {
    (await this.op(uuid)).power = PowerState.RUNNING;
  }

  async rescue(uuid: string): Promise<void> {
    const i = await this.op(uuid);
    i.rescued = true;
    i.power = PowerState.RUNNING;
  }

  async unrescue(uuid: string): Promise<void> {
    const i = await this.op(uuid);
    i.rescued = false;
    i.power = PowerState.RUNNING;
  }

  /** Writes a small raw disk image (the fake root disk) so the agent uploads a real image. */
  async snapshot(uuid: string, targetPath: string): Promise<{ diskFormat: string; sizeBytes: number }> {
    const i = await this.op(uuid);
    const data = Buffer.alloc(1024 * 1024);
    data.write(`stratus fake disk of ${i.spec.uuid}\n`);
    await writeFile(targetPath, data);
    return { diskFormat: 'raw', sizeBytes: data.length };
  }

  /** The source copy moves aside (powered off) until confirm drops it or revert brings it back. */
  async migrateDiskAndPowerOff(uuid: string): Promise<void> {
    const i = await this.op(uuid);
    i.power = PowerState.SHUTDOWN;
    this.instances.delete(uuid);
    this.resizeSources.set(uuid, i);
  }

  async finishMigration(spec: InstanceSpec, vifs: VifInfo[], powerOn: boolean): Promise<void> {
    await this.pause_();
    this.instances.set(spec.uuid, fakeInstance(spec, vifs, powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN, bootLog(spec, vifs, this.host)));
  }

  async confirmMigration(uuid: string): Promise<void> {
    await this.pause_();
    this.resizeSources.delete(uuid);
  }

  async finishRevertMigration(spec: InstanceSpec, vifs: VifInfo[], powerOn: boolean): Promise<void> {
    await this.pause_();
    const kept = this.resizeSources.get(spec.uuid);
    if (!kept) throw new DriverError(`No resize source of instance ${spec.uuid} on host ${this.host} to revert to.`);
    this.resizeSources.delete(spec.uuid);
    this.instances.set(spec.uuid, { ...kept, spec, vifs: new Map(vifs.map((v) => [v.portId, v])), power: powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN });
  }

  async attachInterface(uuid: string, vif: VifInfo): Promise<void> {
    (await this.op(uuid)).vifs.set(vif.portId, vif);
  }

  async detachInterface(uuid: string, portId: string): Promise<void> {
    (await this.op(uuid)).vifs.delete(portId);
  }

  async attachVolume(uuid: string, device: BlockDevice): Promise<void> {
    (await this.op(uuid)).volumes.set(device.deviceName, device);
  }

  async detachVolume(uuid: string, deviceName: string): Promise<void> {
    (await this.op(uuid)).volumes.delete(deviceName);
  }

  async preLiveMigration(spec: InstanceSpec, vifs: VifInfo[]): Promise<{ uri: string }> {
    await this.pause_();
    // The incoming guest waits, paused, for the memory stream, as `qemu -incoming` does.
    this.instances.set(spec.uuid, fakeInstance(spec, vifs, PowerState.PAUSED, []));
    return { uri: `fake://${this.host}/${spec.uuid}` };
  }

  /** The stream takes delayMs (so a migration can be caught running); an abort meanwhile cancels it, a force-complete ends the wait. */
  async liveMigrate(uuid: string): Promise<void> {
    if (!this.instances.has(uuid)) throw new DriverError(`Instance ${uuid} could not be found on host ${this.host}.`);
    const stream = { cancelled: false, finish: (): void => undefined };
    this.streams.set(uuid, stream);
    try {
      if (this.options.delayMs > 0) await new Promise<void>((resolve) => { const t = setTimeout(resolve, this.options.delayMs); stream.finish = () => { clearTimeout(t); resolve(); }; });
      if (stream.cancelled) throw new MigrationCancelled(uuid);
      this.instances.delete(uuid);
    } finally {
      this.streams.delete(uuid);
    }
  }

  async liveMigrationForceComplete(uuid: string): Promise<void> {
    const stream = this.streams.get(uuid);
    if (!stream) throw new DriverError(`No live migration of instance ${uuid} is running on host ${this.host}.`);
    const i = this.instances.get(uuid);
    if (i) i.power = PowerState.PAUSED;
    stream.finish();
  }

  async liveMigrationAbort(uuid: string): Promise<void> {
    const stream = this.streams.get(uuid);
    if (!stream) throw new DriverError(`No live migration of instance ${uuid} is running on host ${this.host}.`);
    stream.cancelled = true;
    stream.finish();
  }

  async postLiveMigrationAtDestination(uuid: string, paused: boolean): Promise<void> {
    const i = await this.op(uuid);
    i.power = paused ? PowerState.PAUSED : PowerState.RUNNING;
    // The serial log on a new host starts at the hand-over, as a real one does.
    i.console.push(`[fake] guest resumed on ${this.host} after live migration`, `${i.spec.hostname} login:`);
  }

  /** The guest "logs" the NMI as a Linux kernel without a crash kernel does, and keeps running. */
  async triggerCrashDump(uuid: string): Promise<void> {
    (await this.op(uuid)).console.push('Uhhuh. NMI received for unknown reason 3d on CPU 0.');
  }

  async setAdminPassword(uuid: string): Promise<void> {
    await this.op(uuid);
  }

  async consoleOutput(uuid: string, lines?: number): Promise<string> {
    const text = `${(await this.op(uuid)).console.join('\n')}\n`;
    // Nova's tail: the last N pieces of the log split on newlines (a trailing newline counts as one).
    return lines === undefined ? text : text.split('\n').slice(-lines).join('\n');
  }

  async vncConsole(uuid: string): Promise<VncConsole> {
    await this.op(uuid);
    return { host: '127.0.0.1', port: 5900 };
  }

  /** Plausible, stable figures derived from the instance, so diagnostics views can be checked. */
  async diagnostics(uuid: string): Promise<InstanceDiagnostics> {
    const i = await this.op(uuid);
    const uptime = Math.floor((Date.now() - i.startedAt) / 1000);
    const state = ({ [PowerState.RUNNING]: 'running', [PowerState.PAUSED]: 'paused', [PowerState.SUSPENDED]: 'suspended', [PowerState.CRASHED]: 'crashed' } as Record<number, InstanceDiagnostics['state']>)[i.power] ?? 'shutdown';
    return {
      state, driver: 'libvirt', hypervisor: 'fake', hypervisorOs: 'linux', uptimeSeconds: uptime, configDrive: i.spec.configDrive,
      memoryMaximumMb: i.spec.memoryMb, memoryUsedMb: Math.ceil(i.spec.memoryMb / 4),
      cpus: Array.from({ length: i.spec.vcpus }, (_, id) => ({ id, timeNs: uptime * 1_000_000_000, utilisation: 1 })),
      nics: [...i.vifs.values()].map((v) => ({ macAddress: v.macAddress, rxOctets: 0, rxErrors: 0, rxDrop: 0, rxPackets: 0, txOctets: 0, txErrors: 0, txDrop: 0, txPackets: 0 })),
      disks: [{ name: 'vda', readBytes: 0, readRequests: 0, writeBytes: 0, writeRequests: 0, errors: 0 }],
    };
  }

  async close(): Promise<void> {
    this.instances.clear();
  }

  private async op(uuid: string): Promise<FakeInstance> {
    await this.pause_();
    const i = this.instances.get(uuid);
    if (!i) throw new DriverError(`Instance ${uuid} could not be found on host ${this.host}.`);
    return i;
  }

  private async pause_(): Promise<void> {
    if (this.options.delayMs > 0) await new Promise((r) => setTimeout(r, this.options.delayMs));
  }
}

function fakeInstance(spec: InstanceSpec, vifs: VifInfo[], power: PowerStateValue, console: string[]): FakeInstance {
  return { spec, power, vifs: new Map(vifs.map((v) => [v.portId, v])), volumes: new Map(), rescued: false, console, startedAt: Date.now() };
}

/** What a small cloud guest prints while booting, so console logs look like one. */
function bootLog(spec: InstanceSpec, vifs: VifInfo[], host: string): string[] {
  return [
    `[    0.000000] Linux version 6.1.0-fake (stratus fake driver on ${host})`,
    `[    0.000000] Command line: root=/dev/vda console=ttyS0`,
    `[    0.010000] Memory: ${spec.memoryMb * 1024}K available`,
    `[    0.020000] smpboot: Allowing ${spec.vcpus} CPUs`,
    '[    0.500000] virtio_blk virtio2: [vda] disk attached',
    ...vifs.map((v, i) => `[    0.600000] virtio_net virtio${i}: eth${i}: ${v.macAddress}`),
    '[    1.000000] EXT4-fs (vda1): mounted filesystem',
    'Starting network...',
    ...vifs.map((v, i) => `udhcpc: eth${i} lease of ${v.fixedIps[0] ?? 'none'} obtained`),
    `checking http://169.254.169.254/2009-04-04/instance-id`,
    `successful after 1/20 tries: up 1.10. iid=${spec.uuid}`,
    `${spec.hostname} login:`,
  ];
}
