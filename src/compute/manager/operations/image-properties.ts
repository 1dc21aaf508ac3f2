import { RemoteApiError } from '../../../core/http/index.js';
import type { ImageClient } from '../../../image/contract/client.js';
import { BuildRequestError } from '../network-allocation.js';

/**
 * The image a guest is (re)built from, checked as Nova's compute manager checks it (it
 * exists and is active), and its string properties (hw_*, os_*...), which the driver
 * reads for the guest's hardware. Another host would not do better: BuildRequestError.
 */
export async function bootImageProperties(images: ImageClient, imageRef: string): Promise<Record<string, string>> {
  const image = await images.image(imageRef).catch((e: unknown) => {
    if (e instanceof RemoteApiError && e.status === 404) throw new BuildRequestError(`Image ${imageRef} could not be found.`);
    throw e;
  });
  if (image.status !== 'active') throw new BuildRequestError(`Image ${imageRef} is unacceptable: status is not active`);
  return Object.fromEntries(Object.entries(image).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}
