import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { DriverError, type BlockDevice } from '../driver.js';
import type { QmpClient } from './qmp.js';
import { deleteDevice } from './qmp-waits.js';

/**
 * A volume attached to a guest, as the instance record keeps it so every later start
 * (stop/start, reboot, resume) gives the guest the same disk. `path` is where the
 * volume is on this host: what os-brick's connect_volume answers (a block device for
 * iSCSI/RBD/LVM, a file for an NFS-style share).
 */
export interface AttachedVolume {
  /** The name the API asked for (/dev/vdb): the id of the guest's device, a hint for the guest. */
  deviceName: string;
  path: string;
  /** host_device for a block device, file for a file: QEMU opens them differently. */
  kind: 'block' | 'file';
  /** The volume's id, the disk's serial as Nova gives it (the guest sees /dev/disk/by-id/virtio-<id>). */
  volumeId: string | null;
}

/** virtio-blk keeps 20 bytes of serial; Nova's volume serials are the volume id, cut the same way. */
const VIRTIO_SERIAL_BYTES = 20;

/** What a BlockDevice of source type "volume" becomes on this host; its source must be a path that exists. */
export async function volumeToAttach(device: BlockDevice): Promise<AttachedVolume> {
  if (device.sourceType !== 'volume' || !device.source) throw new DriverError(`Block device ${device.deviceName} is not a volume with a host path`);
  const found = await stat(device.source).catch(() => null);
  if (!found || !(found.isBlockDevice() || found.isFile())) throw new DriverError(`Volume path ${device.source} is neither a block device nor a file on this host`);
  return { deviceName: device.deviceName, path: device.source, kind: found.isBlockDevice() ? 'block' : 'file', volumeId: device.volumeId ?? null };
}

/** The QMP objects of a volume's disk: the command line (-blockdev/-device) and hot-plug use the same ids, so either is removed alike. */
export function volumeDevices(v: AttachedVolume): { blockdev: Record<string, unknown> & { 'node-name': string }; device: Record<string, unknown> & { id: string } } {
  const name = basename(v.deviceName).replace(/[^A-Za-z0-9_-]/g, '_');
  const node = `drive-volume-${name}`;
  return {
    blockdev: { 'node-name': node, driver: 'raw', 'read-only': false, file: { driver: v.kind === 'block' ? 'host_device' : 'file', filename: v.path } },
    device: { driver: 'virtio-blk-pci', drive: node, id: `volume-${name}`, ...(v.volumeId ? { serial: v.volumeId.slice(0, VIRTIO_SERIAL_BYTES) } : {}) },
  };
}

/** Adds the volume's disk to a running guest (blockdev-add, then device_add), leaving nothing behind when the device is refused. */
export async function hotplugVolume(qmp: QmpClient, v: AttachedVolume): Promise<void> {
  const { blockdev, device } = volumeDevices(v);
  await qmp.execute('blockdev-add', blockdev);
  try {
    await qmp.execute('device_add', device);
  } catch (e) {
    await qmp.execute('blockdev-del', { 'node-name': blockdev['node-name'] }).catch(() => undefined);
    throw new DriverError(`Failed to attach volume at ${v.deviceName}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Removes the volume's disk from a running guest: once the guest let it go (deleteDevice)
 * the backend is closed (blockdev-del), as libvirt does; a guest that never lets go
 * fails the detach and keeps the disk.
 */
export async function unplugVolume(qmp: QmpClient, v: AttachedVolume, timeoutMs: number): Promise<void> {
  const { blockdev, device } = volumeDevices(v);
  if (!(await deleteDevice(qmp, device.id, timeoutMs))) {
    throw new DriverError(`Device detach failed for ${v.deviceName}: the guest did not release the disk in ${timeoutMs / 1000} s`);
  }
  await qmp.execute('blockdev-del', { 'node-name': blockdev['node-name'] });
}
