import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Logger } from '../core/log.js';
import type { ImageClient } from '../image/contract/client.js';
import type { ComputeService } from '../compute/service.js';
import { createFlavor } from '../compute/domain/flavors.js';
import { ensureGuestImage } from '../guest/guest-image.js';
import { guestImageCacheDir } from './virt-drivers.js';

export const GUEST_IMAGE_NAME = 'stratus-guest';
/** devstack's smallest flavor, which the guest fits in. */
const TINY_FLAVOR = { name: 'm1.tiny', flavorid: '1', memory_mb: 512, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, description: null };

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `stratus up --guest-image`: builds the Stratus guest from Debian packages (cached
 * between runs), registers it as the public image `stratus-guest` unless the same
 * build is there already, and adds devstack's m1.tiny flavor when missing, so a new
 * user boots a real VM with one `openstack server create`.
 */
export async function registerGuestImage(images: ImageClient, compute: ComputeService, log: Logger): Promise<string> {
  const built = await ensureGuestImage({ cacheDir: guestImageCacheDir(), log: (msg) => log.info(msg) });
  const checksum = await md5Of(built.qcow2);
  const existing = (await images.images({ name: GUEST_IMAGE_NAME })).find((i) => i.checksum === checksum && i.status === 'active');
  let id = existing?.id;
  if (!id) {
    const image = await images.createImage({
      name: GUEST_IMAGE_NAME, disk_format: 'qcow2', container_format: 'bare', visibility: 'public', min_disk: 1, min_ram: 128,
      os_distro: 'stratus-guest', hw_disk_bus: 'virtio', hw_vif_model: 'virtio',
    });
    await images.uploadFile(image.id, built.qcow2);
    id = image.id;
    log.info({ image: id }, `registered the guest image ${GUEST_IMAGE_NAME}`);
  }
  const flavor = await compute.db.selectFrom('flavors').select('id').where('name', '=', TINY_FLAVOR.name).executeTakeFirst();
  if (!flavor) await createFlavor(compute, TINY_FLAVOR);
  return id;
}
