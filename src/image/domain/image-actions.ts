import type { RequestContext } from '../../core/auth/index.js';
import { BadRequestError, NotFoundError } from '../../core/http/index.js';
import { addTag, removeTag, setStatus, touch } from '../db/images.js';
import type { ImageService } from '../service.js';
import { findVisibleImage, requireOwnerAction } from './access.js';
import { checkQuotaOfTags } from './images.js';

/** deactivate: active -> deactivated; reactivate: the way back. */
export const ACTIVATION = { deactivate: ['active', 'deactivated'], reactivate: ['deactivated', 'active'] } as const;

/**
 * POST /v2/images/{id}/actions/{deactivate|reactivate}. Repeating either is a no-op;
 * from any other status Glance answers 400.
 */
export async function changeActivation(svc: ImageService, ctx: RequestContext, id: string, action: keyof typeof ACTIVATION): Promise<void> {
  const [from, to] = ACTIVATION[action];
  const { image, membership } = await findVisibleImage(svc, ctx, id);
  requireOwnerAction(svc, ctx, image, membership, action);
  if (image.status === to) return;
  if (image.status !== from || !(await setStatus(svc.db, image.id, [from], to, svc.clock.now()))) {
    throw new BadRequestError(`Not allowed to ${action} image in status '${image.status}'`);
  }
}

/** PUT /v2/images/{id}/tags/{tag}: idempotent, within the per-image tag quota. */
export async function tagImage(svc: ImageService, ctx: RequestContext, id: string, tag: string): Promise<void> {
  const { image, membership } = await findVisibleImage(svc, ctx, id);
  requireOwnerAction(svc, ctx, image, membership, 'modify_image');
  if (tag.length > 255) throw new BadRequestError(`Provided object does not match schema 'image': '${tag}' is too long`);
  if (!image.tags.includes(tag)) checkQuotaOfTags(svc, [...image.tags, tag]);
  await addTag(svc.db, image.id, tag);
  await touch(svc.db, image.id, svc.clock.now());
}

/** DELETE /v2/images/{id}/tags/{tag}: 404 when the image does not carry it. */
export async function untagImage(svc: ImageService, ctx: RequestContext, id: string, tag: string): Promise<void> {
  const { image, membership } = await findVisibleImage(svc, ctx, id);
  requireOwnerAction(svc, ctx, image, membership, 'modify_image');
  if (!(await removeTag(svc.db, image.id, tag))) throw new NotFoundError(`Tag ${tag} not found.`);
  await touch(svc.db, image.id, svc.clock.now());
}
