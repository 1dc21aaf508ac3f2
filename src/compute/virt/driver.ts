/**
 * The virt driver contract, after Nova's nova/virt/driver.py: everything the compute
 * agent asks of a hypervisor. The agent never branches on which driver it holds; it
 * reads `capabilities` (Nova's capabilities dict) to decide what an instance may do.
 * Implementations: virt/fake (state in memory, delays and failures injectable) and,
 * from issue 8, virt/qemu. Every method is idempotent where the note says so, because
 * the agent re-runs operations after a crash instead of replaying what it missed.
 */

/** What the hypervisor offers, reported as the compute node and its Placement inventory. */
export interface HostResources {
  hypervisorHostname: string;
  hypervisorType: string;
  /** Nova's integer form of the version (e.g. 8002000 for 8.2.0). */
  hypervisorVersion: number;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  /** JSON-able CPU description (arch, model, vendor, topology, features). */
  cpuInfo: Record<string, unknown>;
  hostIp: string;
}

/** Nova's power states (nova/compute/power_state.py). */
export const PowerState = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;
export type PowerStateValue = (typeof PowerState)[keyof typeof PowerState];

/** A network interface as the driver plugs it: the port the network service bound to this host. */
export interface VifInfo {
  portId: string;
  macAddress: string;
  networkId: string;
  /** Device the dataplane created or will create (a tap name), for drivers that attach to one. */
  devname: string;
  mtu: number;
  fixedIps: string[];
}

/** The tap device of a port, named as Nova and Neutron's agents name it ("tap" + the port id's first 11 characters). */
export function tapName(portId: string): string {
  return `tap${portId.slice(0, 11)}`;
}

/** A block device handed to the guest (root and ephemeral from the image cache; volumes from issue 9). */
export interface BlockDevice {
  /** "image" (root from an image), "blank" (ephemeral/swap), "volume". */
  sourceType: 'image' | 'blank' | 'volume';
  deviceName: string;
  sizeGb: number;
  /** Local path of the base image (image), or where the attached volume is on this host (volume: os-brick's device_path). */
  source?: string;
  bootIndex: number | null;
  /** The volume's id (volume): the disk's serial in the guest, as Nova sets it. */
  volumeId?: string;
}

/** Everything a driver needs to build or rebuild an instance's guest. */
export interface InstanceSpec {
  uuid: string;
  name: string;
  hostname: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb: number;
  swapMb: number;
  /** Flavor extra specs (quota:*, hw:*), applied where the driver supports them. */
  extraSpecs: Record<string, string>;
  imageId: string | null;
  imageProperties: Record<string, string>;
  userData: string | null;
  keyData: string | null;
  configDrive: boolean;
  /** The metadata document (openstack/latest/meta_data.json) for a config drive. */
  metadata: Record<string, unknown>;
}

/** What `capabilities` can say, as Nova's driver capabilities do. */
export interface DriverCapabilities {
  hasImagecache: boolean;
  supportsRecreate: boolean;
  supportsAttachInterface: boolean;
  supportsMultiattach: boolean;
  supportsLiveMigration: boolean;
  supportsSuspend: boolean;
  supportsPause: boolean;
  supportsRescue: boolean;
  supportsConsoleOutput: boolean;
  supportsVncConsole: boolean;
}

/** Nova's standard diagnostics (2.48): what the guest uses, per CPU, NIC and disk. */
export interface InstanceDiagnostics {
  state: 'pending' | 'running' | 'paused' | 'shutdown' | 'crashed' | 'suspended';
  /** Nova's driver names; the QEMU driver reports 'libvirt', the KVM/QEMU value clients know. */
  driver: 'libvirt' | 'xenapi' | 'vmwareapi' | 'ironic' | 'hyperv';
  hypervisor: string | null;
  hypervisorOs: string | null;
  uptimeSeconds: number | null;
  configDrive: boolean;
  memoryMaximumMb: number | null;
  memoryUsedMb: number | null;
  cpus: Array<{ id: number; timeNs: number | null; utilisation: number | null }>;
  nics: Array<{ macAddress: string | null; rxOctets: number | null; rxErrors: number | null; rxDrop: number | null; rxPackets: number | null;
    txOctets: number | null; txErrors: number | null; txDrop: number | null; txPackets: number | null }>;
  disks: Array<{ name: string; readBytes: number | null; readRequests: number | null; writeBytes: number | null; writeRequests: number | null; errors: number | null }>;
}

export interface VncConsole {
  host: string;
  port: number;
}

/** A failure the driver reports with a message fit for the instance fault. */
export class DriverError extends Error {
  constructor(message: string, readonly retryable = false) {
    super(message);
    this.name = 'DriverError';
  }
}

/** A live migration ended by liveMigrationAbort: the guest still runs on the source. */
export class MigrationCancelled extends DriverError {
  constructor(uuid: string) {
    super(`Live migration of instance ${uuid} was cancelled`);
    this.name = 'MigrationCancelled';
  }
}

export interface VirtDriver {
  readonly capabilities: DriverCapabilities;

  /** Called once before anything else; the driver may probe the host (KVM vs TCG) here. */
  init(host: string): Promise<void>;
  /** Current totals; used for the compute node record and the Placement inventory. */
  hostResources(): Promise<HostResources>;
  /** Instance uuids the hypervisor currently has, for power-state sync and reconcile after a restart. */
  listInstances(): Promise<string[]>;
  /** Power state of one instance; NOSTATE when the hypervisor does not know it. */
  powerState(uuid: string): Promise<PowerStateValue>;

  /**
   * Creates and starts the guest. Precondition: the image is in the host cache and the
   * ports are bound to this host. On failure the driver leaves nothing behind and throws
   * DriverError (retryable when another host might succeed).
   */
  spawn(spec: InstanceSpec, vifs: VifInfo[], disks: BlockDevice[]): Promise<void>;
  /**
   * Stops and removes the guest and its local files. Idempotent: unknown instances are a
   * no-op. A resize source kept for a revert is not touched (confirmMigration drops it).
   */
  destroy(uuid: string): Promise<void>;
  /** SOFT: ask the guest (ACPI) and fall back to HARD after a timeout; HARD: reset. */
  reboot(uuid: string, type: 'SOFT' | 'HARD'): Promise<void>;
  /** Graceful shutdown with a timeout in seconds, then forced off. Idempotent. */
  powerOff(uuid: string, timeoutSeconds: number): Promise<void>;
  /** Starts a stopped guest. Idempotent. */
  powerOn(uuid: string): Promise<void>;
  pause(uuid: string): Promise<void>;
  unpause(uuid: string): Promise<void>;
  /** Saves guest memory to disk and frees it. */
  suspend(uuid: string): Promise<void>;
  resume(uuid: string): Promise<void>;
  /** Boots the rescue image (the instance's own image when null) with the original root disk attached second. */
  rescue(uuid: string, rescueImageId: string | null): Promise<void>;
  unrescue(uuid: string): Promise<void>;
  /** A consistent copy of the root disk, written to `targetPath` (uploaded by the agent). */
  snapshot(uuid: string, targetPath: string): Promise<{ diskFormat: string; sizeBytes: number }>;
  /** Resize/cold migrate step on the source: stop and hand the disks over; keeps them until confirm. */
  migrateDiskAndPowerOff(uuid: string, newSpec: InstanceSpec): Promise<void>;
  /** Resize/migrate on the destination: start with the new flavor. */
  finishMigration(spec: InstanceSpec, vifs: VifInfo[], powerOn: boolean): Promise<void>;
  /** Drops the source copy kept for a revert. */
  confirmMigration(uuid: string): Promise<void>;
  /** Restores the source copy and starts it. */
  finishRevertMigration(spec: InstanceSpec, vifs: VifInfo[], powerOn: boolean): Promise<void>;
  attachInterface(uuid: string, vif: VifInfo): Promise<void>;
  detachInterface(uuid: string, portId: string): Promise<void>;
  attachVolume(uuid: string, device: BlockDevice): Promise<void>;
  detachVolume(uuid: string, deviceName: string): Promise<void>;
  /**
   * Live migration, destination side first: prepares an incoming guest (ports plugged,
   * disks ready, waiting for the memory stream) and answers the URI the source sends to.
   */
  preLiveMigration(spec: InstanceSpec, vifs: VifInfo[]): Promise<{ uri: string }>;
  /** Live migration, source side: streams the running guest to `uri`; the source copy is gone when it returns. */
  liveMigrate(uuid: string, destinationHost: string, uri: string): Promise<void>;
  /** Asks a running live migration to finish now (pausing the guest so memory stops changing, as libvirt's force-complete). */
  liveMigrationForceComplete(uuid: string): Promise<void>;
  /** Cancels a running live migration: liveMigrate then fails with MigrationCancelled and the guest stays on the source. */
  liveMigrationAbort(uuid: string): Promise<void>;
  /** Live migration, destination side last: the guest runs here now (paused if it was paused). */
  postLiveMigrationAtDestination(uuid: string, paused: boolean): Promise<void>;
  /** Sends the guest a non-maskable interrupt (trigger_crash_dump): a guest set up for it panics and writes a crash dump. */
  triggerCrashDump(uuid: string): Promise<void>;
  /** Sets the guest's administrator password (changePassword); DriverError when the guest cannot. */
  setAdminPassword(uuid: string, password: string): Promise<void>;
  /** The serial console log; the last `lines` lines when given. */
  consoleOutput(uuid: string, lines?: number): Promise<string>;
  vncConsole(uuid: string): Promise<VncConsole>;
  /** What the guest uses now (os-server-diagnostics). */
  diagnostics(uuid: string): Promise<InstanceDiagnostics>;
  /** Releases timers and connections. */
  close(): Promise<void>;
  /**
   * Tells the agent at once when a guest stops or dies on its own (libvirt's lifecycle
   * events), so its recorded state follows without waiting for the next power-state sync.
   * Drivers whose guests cannot change by themselves need not offer it.
   */
  setLifecycleListener?(listener: (uuid: string) => void): void;
}
