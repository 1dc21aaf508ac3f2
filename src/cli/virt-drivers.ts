import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../core/log.js';
import type { ImageClient } from '../image/contract/client.js';
import type { ConductorApi } from '../compute/manager/conductor-api.js';
import type { VirtDriver } from '../compute/virt/driver.js';
import { FakeDriver } from '../compute/virt/fake/fake-driver.js';
import { hostKernels } from '../compute/virt/qemu/accel-probe.js';
import { QemuDriver } from '../compute/virt/qemu/qemu-driver.js';
import type { AllInOneConfig } from './options.js';

/** Where the Stratus guest image is built and kept between runs (shared by every cloud on the machine). */
export function guestImageCacheDir(): string {
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'stratus', 'guest');
}

/** Kernels the KVM probe may boot: the configured one, the guest image's, then the host's own. */
async function probeKernels(config: AllInOneConfig): Promise<string[]> {
  if (config.qemu.kvm_probe_kernel) return [config.qemu.kvm_probe_kernel];
  const cache = guestImageCacheDir();
  const builds = await readdir(cache).catch(() => [] as string[]);
  return [...builds.map((b) => join(cache, b, 'vmlinuz')), ...(await hostKernels())];
}

/** The configured hypervisor for one host ([compute] compute_driver). */
/** Where a fake host stands: its namespace and its address on the underlay. */
export interface HostPlace {
  namespace: string;
  ip: string;
}

export async function virtDriverFor(host: string, config: AllInOneConfig, dataDir: string, deps: { image: ImageClient; conductor: ConductorApi; log: Logger; place?: HostPlace }): Promise<VirtDriver> {
  if (config.compute.compute_driver === 'fake') {
    const fd = config.fake_driver;
    return new FakeDriver({
      vcpus: fd.vcpus, memoryMb: fd.memory_mb, localGb: fd.local_gb, delayMs: fd.delay_ms,
      ...(fd.spawn_failure_pattern ? { spawnFailurePattern: new RegExp(fd.spawn_failure_pattern) } : {}),
    });
  }
  if (process.getuid?.() !== 0) throw new Error('[compute] compute_driver = qemu needs root (taps, QEMU processes, cgroups): run as root or use the fake driver');
  return new QemuDriver({
    instancesPath: join(config.qemu.instances_path ?? join(dataDir, 'instances'), host),
    virtType: config.qemu.virt_type as 'auto' | 'kvm' | 'qemu',
    probeKernels: await probeKernels(config),
    probeTimeoutMs: config.qemu.kvm_probe_timeout * 1000,
    // A fake host's guests listen on its underlay address: the console proxy and other hosts reach it there.
    vncListen: deps.place?.ip ?? config.qemu.vnc_server_listen,
    hostIp: deps.place?.ip ?? config.qemu.vnc_server_listen,
    ...(deps.place ? { netns: deps.place.namespace } : {}),
    forceConfigDrive: config.compute.force_config_drive,
    tapWaitMs: config.qemu.tap_wait * 1000,
    images: deps.image,
    configDriveFiles: (uuid) => deps.conductor.configDriveFiles(uuid),
    log: deps.log,
  });
}
