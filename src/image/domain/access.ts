import { policyCredentials, type RequestContext } from '../../core/auth/index.js';
import { ForbiddenError, NotFoundError } from '../../core/http/index.js';
import { getMember } from '../db/members.js';
import { getImage } from '../db/images.js';
import type { Image, ImageMember } from '../model.js';
import type { ImageService } from '../service.js';

export const imageNotFound = (id: string): NotFoundError => new NotFoundError(`No image found with ID ${id}`);

export function isAdmin(svc: ImageService, ctx: RequestContext): boolean {
  return svc.policy.check('context_is_admin', {}, policyCredentials(ctx));
}

/** The target Glance's image rules see: owner as project_id, the caller's membership, visibility. */
export function imageTarget(image: Image, membership: ImageMember | undefined): Record<string, unknown> {
  return {
    project_id: image.owner,
    owner: image.owner,
    member_id: membership?.memberId ?? null,
    visibility: image.visibility,
    id: image.id,
  };
}

/** Whether Glance's repository would hand this image to the caller at all. */
export function isVisible(svc: ImageService, ctx: RequestContext, image: Image, membership: ImageMember | undefined): boolean {
  if (isAdmin(svc, ctx)) return true;
  if (image.owner !== null && image.owner === ctx.projectId) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  return image.visibility === 'shared' && membership !== undefined;
}

/** An image as the caller may see it, with the caller's membership; 404 otherwise. */
export async function findVisibleImage(svc: ImageService, ctx: RequestContext, id: string): Promise<{ image: Image; membership: ImageMember | undefined }> {
  const image = await getImage(svc.db, id);
  if (!image || image.status === 'deleted') throw imageNotFound(id);
  const membership = ctx.projectId ? await getMember(svc.db, id, ctx.projectId) : undefined;
  if (!isVisible(svc, ctx, image, membership) || !svc.policy.check('get_image', imageTarget(image, membership), policyCredentials(ctx))) {
    throw imageNotFound(id);
  }
  return { image, membership };
}

/** Glance's 403 for an action policy refuses on an image the caller can see. */
export function authorizeOn(svc: ImageService, ctx: RequestContext, action: string, image: Image, membership: ImageMember | undefined, message?: string): void {
  if (!svc.policy.check(action, imageTarget(image, membership), policyCredentials(ctx))) {
    throw new ForbiddenError(message ?? `You are not authorized to complete ${action} action.`);
  }
}

/**
 * Changing an image takes the action's policy and, whatever the policy file says,
 * ownership: Glance's domain layer makes images of other projects immutable.
 */
export function requireOwnerAction(svc: ImageService, ctx: RequestContext, image: Image, membership: ImageMember | undefined, action: string): void {
  authorizeOn(svc, ctx, action, image, membership);
  if (!isAdmin(svc, ctx) && (image.owner === null || image.owner !== ctx.projectId)) {
    throw new ForbiddenError(`You are not authorized to complete ${action} action.`);
  }
}
