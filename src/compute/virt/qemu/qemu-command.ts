import type { VifInfo } from '../driver.js';
import type { InstanceRecord, InstancePaths } from './instance-files.js';
import { volumeDevices } from './volumes.js';

export type Accelerator = 'kvm' | 'tcg';

export interface LaunchOptions {
  accel: Accelerator;
  /** Address VNC listens on ([vnc] server_listen); the console proxy connects there. */
  vncListen: string;
  /** Start waiting for a migration stream or a saved state instead of booting (`-incoming`). */
  incoming?: string;
  /** Start with the CPUs stopped (a restored suspend is resumed by `cont`). */
  paused?: boolean;
}

/** MiB of translated code TCG keeps (QEMU's default, 1 GiB, would count against the guest's memory limit). */
const TCG_TB_SIZE_MB = 128;

/** Highest VNC display QEMU may take (port 5900 + n): it takes the first free one from 0. */
const MAX_VNC_DISPLAY = 2000;

/**
 * The QEMU command line of an instance, as libvirt would write it for Nova's domain
 * XML: a pc machine, virtio disks (root first, ephemeral, swap, attached volumes), the config drive as an
 * IDE CD-ROM (what cloud-init and Nova's iso9660 drive expect), one virtio-net per port
 * on the port's tap with the port's MAC, a serial console appended to console.log, VNC
 * on the host's listen address, and QMP on a unix socket. `-daemonize` returns once
 * QEMU has opened everything, so a bad tap or disk is an error of the launch itself.
 */
export function qemuArgs(record: InstanceRecord, paths: InstancePaths, options: LaunchOptions): string[] {
  const { spec } = record;
  const args = [
    '-name', `guest=instance-${spec.uuid},debug-threads=on`,
    '-uuid', spec.uuid,
    '-machine', 'pc',
    // TCG's translation cache defaults to 1 GiB; 128 MiB keeps a guest's QEMU within its cgroup's memory allowance.
    '-accel', options.accel === 'tcg' ? `tcg,tb-size=${TCG_TB_SIZE_MB}` : 'kvm',
    '-cpu', options.accel === 'kvm' ? 'host' : 'qemu64',
    '-m', String(spec.memoryMb),
    '-smp', smpOf(spec.vcpus, spec.extraSpecs, spec.imageProperties),
    '-nodefaults', '-no-user-config',
    '-rtc', 'base=utc',
    '-boot', 'strict=on',
    '-display', 'none',
    '-vga', 'std',
    '-vnc', `${options.vncListen}:0,to=${MAX_VNC_DISPLAY}`,
    '-chardev', `file,id=charserial0,path=${paths.console},append=on`,
    '-serial', 'chardev:charserial0',
    '-qmp', `unix:${paths.qmp},server=on,wait=off`,
    '-pidfile', paths.pidFile,
    '-D', paths.qemuLog,
    '-daemonize',
  ];
  const disks: Array<{ file: string; format: string }> = record.rescued
    ? [{ file: paths.rescueRoot, format: 'qcow2' }, { file: paths.root, format: record.rootFormat }]
    : [{ file: paths.root, format: record.rootFormat }];
  if (record.hasEphemeral) disks.push({ file: paths.ephemeral, format: 'raw' });
  if (record.hasSwap) disks.push({ file: paths.swap, format: 'raw' });
  disks.forEach((d, i) => {
    args.push('-blockdev', blockdev(`drive-virtio-disk${i}`, d.file, d.format, false));
    args.push('-device', `virtio-blk-pci,drive=drive-virtio-disk${i},id=virtio-disk${i}${i === 0 ? ',bootindex=1' : ''}`);
  });
  for (const volume of record.volumes ?? []) {
    const { blockdev: node, device } = volumeDevices(volume);
    args.push('-blockdev', JSON.stringify(node), '-device', optionString(device, 'driver'));
  }
  if (record.hasConfigDrive) {
    args.push('-blockdev', blockdev('drive-ide0-1-1', paths.configDrive, 'raw', true));
    args.push('-device', 'ide-cd,bus=ide.1,unit=1,drive=drive-ide0-1-1,id=ide0-1-1');
  }
  for (const vif of record.vifs) {
    const nic = nicOf(vif);
    args.push('-netdev', optionString(nic.netdev, 'type'), '-device', optionString(nic.device, 'driver'));
  }
  args.push('-device', 'virtio-balloon-pci,id=balloon0');
  if (options.paused) args.push('-S');
  if (options.incoming) args.push('-incoming', options.incoming);
  return args;
}

/** A port's NIC as QMP adds it (netdev_add, device_add); the command line uses the same ids, so a hot-plugged NIC and a booted one are removed alike. */
export function nicOf(vif: VifInfo): { netdev: Record<string, unknown> & { id: string }; device: Record<string, unknown> & { id: string } } {
  const netdev = `hostnet-${vif.portId}`;
  return {
    netdev: { type: 'tap', id: netdev, ifname: vif.devname, script: 'no', downscript: 'no' },
    device: { driver: 'virtio-net-pci', netdev, id: `net-${vif.portId}`, mac: vif.macAddress, ...(vif.mtu ? { host_mtu: vif.mtu } : {}) },
  };
}

/**
 * QMP arguments (device_add, netdev_add) as the command line option of the same thing:
 * the `head` key's value first, then key=value, so a booted device and a hot-plugged one
 * come from one object and carry the same ids.
 */
function optionString(args: Record<string, unknown>, head: 'driver' | 'type'): string {
  const { [head]: first, ...rest } = args;
  return [String(first), ...Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`)].join(',');
}

/** A -blockdev for a file with an explicit format (never probed), read-only for the config drive. */
function blockdev(nodeName: string, file: string, format: string, readOnly: boolean): string {
  return JSON.stringify({
    'node-name': nodeName, driver: format, 'read-only': readOnly,
    file: { driver: 'file', filename: file, 'read-only': readOnly },
  });
}

/**
 * `-smp` with the topology the flavor (hw:cpu_sockets/cores/threads) or the image
 * (hw_cpu_*) asks for, when it multiplies out to the flavor's VCPUs; else all sockets,
 * as Nova's default topology is.
 */
export function smpOf(vcpus: number, extraSpecs: Record<string, string>, imageProperties: Record<string, string>): string {
  const pick = (name: string): number | null => {
    const raw = extraSpecs[`hw:cpu_${name}`] ?? imageProperties[`hw_cpu_${name}`];
    const n = raw === undefined ? NaN : Number(raw);
    return Number.isInteger(n) && n > 0 ? n : null;
  };
  const [sockets, cores, threads] = [pick('sockets'), pick('cores'), pick('threads')];
  if (sockets === null && cores === null && threads === null) return `${vcpus},sockets=${vcpus},cores=1,threads=1`;
  const c = cores ?? 1;
  const t = threads ?? 1;
  const s = sockets ?? Math.floor(vcpus / (c * t));
  if (s * c * t !== vcpus) return `${vcpus},sockets=${vcpus},cores=1,threads=1`;
  return `${vcpus},sockets=${s},cores=${c},threads=${t}`;
}
