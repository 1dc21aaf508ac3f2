/**
 * The baseline of the VM bench: the same guest booted by hand, as close to what the
 * QEMU driver does as a bare run can be. The command line is the driver's own
 * (qemuArgs: pc machine, TCG, qemu64, the flavor's memory and CPUs, virtio disk on a
 * qcow2 overlay grown to the flavor's disk, serial console to a file, VNC, QMP,
 * -daemonize), the overlay is made by the driver's qemu-img helper and the config drive
 * by its ISO writer (genisoimage, label config-2, openstack/latest/meta_data.json and
 * user_data). Only the NIC differs: QEMU's user-mode network (`-netdev user`, whose
 * built-in DHCP answers at once) instead of a tap on the cloud's bridge, and there is
 * no metadata service, so the guest reads the config drive. Timed from before the
 * first file is made to the user-data marker on the console file.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { writeConfigDrive } from '../../src/compute/virt/qemu/config-drive-iso.js';
import { InstancePaths, type InstanceRecord } from '../../src/compute/virt/qemu/instance-files.js';
import { qemuArgs } from '../../src/compute/virt/qemu/qemu-command.js';
import { createOverlay, gib } from '../../src/compute/virt/qemu/qemu-img.js';
import { sleep } from '../dataplane/vms.js';
import type { Flavor } from './cloud-guests.js';
import { markerScript, traceBoot, type BootTrace } from './console-trace.js';

export class BareGuests {
  /** Pids of the QEMUs started and not yet seen gone: killed (by pid) at the end whatever happened. */
  readonly pids = new Set<number>();

  constructor(private readonly work: string, private readonly baseQcow2: string, private readonly flavor: Flavor) {}

  /** One bare boot to the marker, the guest left running; `remove` stops it and removes its files. */
  async bootKept(name: string, timeoutMs: number): Promise<{ trace: BootTrace; remove: () => Promise<void> }> {
    const uuid = crypto.randomUUID();
    const marker = `VMBENCH-${randomBytes(6).toString('hex')}`;
    const paths = InstancePaths.of(this.work, uuid);
    const t0 = performance.now();
    let pid: number | null = null;
    const remove = async (): Promise<void> => {
      if (pid !== null) await this.kill(pid);
      rmSync(paths.dir, { recursive: true, force: true });
    };
    try {
      mkdirSync(paths.dir, { recursive: true });
      await createOverlay(paths.root, this.baseQcow2, 'qcow2', gib(this.flavor.diskGb));
      await writeConfigDrive(paths.configDrive, {
        'openstack/latest/meta_data.json': JSON.stringify({ uuid, name, hostname: name, launch_index: 0, availability_zone: 'nova', public_keys: {} }),
        'openstack/latest/user_data': markerScript(marker),
      });
      const args = qemuArgs(this.record(uuid, name), paths, { accel: 'tcg', vncListen: '127.0.0.1' });
      const mac = `fa:16:3e:${randomBytes(3).toString('hex').replace(/(..)(?!$)/g, '$1:')}`;
      args.push('-netdev', 'user,id=hostnet0', '-device', `virtio-net-pci,netdev=hostnet0,id=net0,mac=${mac}`);
      await daemonize(args);
      pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
      this.pids.add(pid);
      return { trace: await traceBoot(paths.console, marker, { t0, timeoutMs }), remove };
    } catch (e) {
      await remove();
      throw e;
    }
  }

  /** What qemuArgs needs: the flavor, a root overlay, a config drive, no vifs (the NIC is added after). */
  private record(uuid: string, name: string): InstanceRecord {
    return {
      spec: {
        uuid, name, hostname: name, vcpus: this.flavor.vcpus, memoryMb: this.flavor.ramMb, rootGb: this.flavor.diskGb, ephemeralGb: 0, swapMb: 0,
        extraSpecs: {}, imageId: null, imageProperties: {}, userData: null, keyData: null, configDrive: true, metadata: {},
      },
      vifs: [], rootFormat: 'qcow2', hasEphemeral: false, hasSwap: false, hasConfigDrive: true, ownTaps: [], rescued: false,
    };
  }

  /** SIGKILL to our own QEMU (as the driver's destroy ends a guest) and waits until it is gone. */
  async kill(pid: number): Promise<void> {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
    this.pids.delete(pid);
  }

  /** Every QEMU of ours still running, killed; their pids. */
  async killAll(): Promise<number[]> {
    const left = [...this.pids].filter(alive);
    for (const pid of left) await this.kill(pid);
    return left;
  }
}

/** True while `pid` is a live (not zombie) qemu-system-x86_64. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.includes('(qemu-system-x86') && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Runs QEMU with -daemonize: it returns once QEMU has opened its disks and sockets. */
function daemonize(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('qemu-system-x86_64', args, { timeout: 60_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`bare QEMU did not start: ${String(stderr).trim().split('\n').slice(-3).join(' ') || err.message}`));
      else resolve();
    });
  });
}
