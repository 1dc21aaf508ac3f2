import type { Readable } from 'node:stream';
import type { RequestContext } from '../../core/auth/index.js';
import { ApiError, ForbiddenError } from '../../core/http/index.js';
import type { ImageService } from '../service.js';
import { StoredDataNotFound } from '../store/data-store.js';
import { authorizeOn, findVisibleImage, isAdmin } from './access.js';

const rangeNotSatisfiable = (): ApiError => new ApiError(416, 'Requested Range Not Satisfiable', 'Requested range not satisfiable');

/** An HTTP byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) resolved against `size`, inclusive. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw rangeNotSatisfiable();
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw rangeNotSatisfiable();
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) throw rangeNotSatisfiable();
  return { start, end };
}

export type ImageData =
  | { kind: 'none' }
  | { kind: 'data'; stream: Readable; size: number; checksum: string | null; range: { start: number; end: number } | undefined };

/**
 * GET /v2/images/{id}/file: the stored bytes (or a range of them) for a caller allowed
 * to download; `none` when the image has no data yet, which Glance answers with 204.
 * Deactivated images are readable by admins only.
 */
export async function openImageData(svc: ImageService, ctx: RequestContext, id: string, rangeHeader: string | undefined): Promise<ImageData> {
  const { image, membership } = await findVisibleImage(svc, ctx, id);
  if (image.status === 'deactivated' && !isAdmin(svc, ctx)) {
    throw new ForbiddenError('The requested image has been deactivated. Image data download is forbidden.');
  }
  authorizeOn(svc, ctx, 'download_image', image, membership);
  const store = svc.storeById(image.storeId);
  if ((image.status !== 'active' && image.status !== 'deactivated') || !store || !image.location || image.size === null) return { kind: 'none' };
  const range = parseRange(rangeHeader, image.size);
  try {
    return { kind: 'data', stream: await store.open(image.location, range), size: image.size, checksum: image.checksum, range };
  } catch (e) {
    if (e instanceof StoredDataNotFound) return { kind: 'none' };
    throw e;
  }
}
