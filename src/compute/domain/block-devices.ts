import { badRequest } from '../errors.js';

/** One entry of block_device_mapping_v2 as a client sends it. */
export type BdmV2 = Record<string, unknown>;

/**
 * What a server's block_device_mapping_v2 asks for, checked as Nova's
 * block_device.BlockDeviceDict does: the image to boot when an image-to-local device
 * has boot_index 0 (it stands in for imageRef), and local blank disks (ephemeral, swap).
 * Anything on a volume needs the block storage service, which this cloud does not
 * have yet: that is a 400 up front rather than a build that fails later.
 */
export function imageFromBlockDevices(bdms: readonly BdmV2[], imageRef: string | null): string | null {
  let bootImage: string | null = null;
  for (const b of bdms) {
    const source = String(b['source_type'] ?? '');
    const destination = String(b['destination_type'] ?? (source === 'blank' || source === 'image' ? 'local' : 'volume'));
    if (!['image', 'volume', 'snapshot', 'blank'].includes(source)) throw badRequest(`Block Device Mapping is Invalid: Unrecognized source_type ${source || 'None'}.`);
    if (destination !== 'local' && destination !== 'volume') throw badRequest(`Block Device Mapping is Invalid: Unrecognized destination_type ${destination}.`);
    if (destination === 'volume' || source === 'volume' || source === 'snapshot') {
      throw badRequest('Block Device Mapping is Invalid: volumes need the block storage service, which is not available in this cloud.');
    }
    const bootIndex = b['boot_index'] === undefined || b['boot_index'] === null ? null : Number(b['boot_index']);
    if (source === 'image') {
      if (typeof b['uuid'] !== 'string' || b['uuid'] === '') throw badRequest('Block Device Mapping is Invalid: an image source needs the image uuid.');
      if (bootIndex !== 0) throw badRequest('Block Device Mapping is Invalid: a local image device must be the boot device (boot_index 0).');
      bootImage = b['uuid'];
    }
  }
  if (bootImage && imageRef && bootImage !== imageRef.split('/').pop()) {
    throw badRequest('Block Device Mapping is Invalid: the boot image differs from imageRef.');
  }
  return bootImage ?? imageRef;
}
