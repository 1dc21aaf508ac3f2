import { policyCredentials, type RequestContext } from '../../core/auth/index.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, PayloadTooLargeError } from '../../core/http/index.js';
import { touch } from '../db/images.js';
import { countMembers, deleteMember, getMember, insertMember, listMembers, updateMemberStatus } from '../db/members.js';
import { MEMBER_STATUSES, type Image, type ImageMember, type MemberStatus } from '../model.js';
import type { ImageService } from '../service.js';
import { findVisibleImage, imageTarget, isAdmin } from './access.js';

/** Sharing only makes sense for visibility "shared" (Glance's 403 otherwise). */
function requireShared(image: Image): void {
  if (image.visibility !== 'shared') throw new ForbiddenError('Only shared images have members.');
}

function allowed(svc: ImageService, ctx: RequestContext, action: string, image: Image, membership: ImageMember | undefined): boolean {
  return svc.policy.check(action, imageTarget(image, membership), policyCredentials(ctx));
}

const memberNotFound = (memberId: string, imageId: string): NotFoundError =>
  new NotFoundError(`${memberId} not found in the member list of the image ${imageId}.`);

export async function addMember(svc: ImageService, ctx: RequestContext, imageId: string, memberId: string): Promise<ImageMember> {
  const { image, membership } = await findVisibleImage(svc, ctx, imageId);
  requireShared(image);
  const owner = isAdmin(svc, ctx) || (image.owner !== null && image.owner === ctx.projectId);
  if (!owner || !allowed(svc, ctx, 'add_member', image, membership)) throw new ForbiddenError(`Not allowed to create members for image ${imageId}.`);
  const quota = svc.settings.memberQuota;
  if (quota !== null && (await countMembers(svc.db, imageId)) >= quota) {
    throw new PayloadTooLargeError(`Image member limit exceeded for image ${imageId}: The limit has been exceeded: image_member_quota`);
  }
  const now = svc.clock.now();
  const member: ImageMember = { imageId, memberId, status: 'pending', createdAt: now, updatedAt: now };
  if (!(await insertMember(svc.db, member))) throw new ConflictError(`Member ${memberId} is duplicated for image ${imageId}`);
  await touch(svc.db, imageId, now);
  return member;
}

/** The owner sees every member; a member sees only its own membership. */
export async function membersOf(svc: ImageService, ctx: RequestContext, imageId: string): Promise<ImageMember[]> {
  const { image, membership } = await findVisibleImage(svc, ctx, imageId);
  requireShared(image);
  if (!allowed(svc, ctx, 'get_members', image, membership)) throw new ForbiddenError(`Not allowed to list members for image ${imageId}.`);
  const all = await listMembers(svc.db, imageId);
  if (isAdmin(svc, ctx) || image.owner === ctx.projectId) return all;
  return all.filter((m) => m.memberId === ctx.projectId);
}

export async function memberOf(svc: ImageService, ctx: RequestContext, imageId: string, memberId: string): Promise<ImageMember> {
  const { image, membership } = await findVisibleImage(svc, ctx, imageId);
  // Glance turns every refusal here into 404, so nobody learns who else is a member.
  if (image.visibility !== 'shared') throw new NotFoundError('Only shared images have members.');
  const ownerView = isAdmin(svc, ctx) || image.owner === ctx.projectId;
  if (!allowed(svc, ctx, 'get_member', image, membership) || (!ownerView && memberId !== ctx.projectId)) throw memberNotFound(memberId, imageId);
  const member = await getMember(svc.db, imageId, memberId);
  if (!member) throw memberNotFound(memberId, imageId);
  return member;
}

/** Only the member itself accepts or rejects; the owner cannot decide for it. */
export async function setMemberStatus(svc: ImageService, ctx: RequestContext, imageId: string, memberId: string, status: unknown): Promise<ImageMember> {
  if (status === undefined) throw new BadRequestError('Status not specified');
  if (typeof status !== 'string') throw new BadRequestError('Expected a status in the form: {"status": "status"}');
  const { image, membership } = await findVisibleImage(svc, ctx, imageId);
  requireShared(image);
  const member = await getMember(svc.db, imageId, memberId);
  if (!member || (!isAdmin(svc, ctx) && image.owner !== ctx.projectId && memberId !== ctx.projectId)) throw memberNotFound(memberId, imageId);
  if (!allowed(svc, ctx, 'modify_member', image, membership) || (!isAdmin(svc, ctx) && memberId !== ctx.projectId)) {
    throw new ForbiddenError(`Not allowed to update members for image ${imageId}.`);
  }
  if (!(MEMBER_STATUSES as readonly string[]).includes(status)) {
    throw new BadRequestError(`Incorrect request: Status must be one of ${MEMBER_STATUSES.map((s) => `'${s}'`).join(', ')}`);
  }
  const now = svc.clock.now();
  await updateMemberStatus(svc.db, imageId, memberId, status as MemberStatus, now);
  return { ...member, status: status as MemberStatus, updatedAt: now };
}

export async function removeMember(svc: ImageService, ctx: RequestContext, imageId: string, memberId: string): Promise<void> {
  const { image, membership } = await findVisibleImage(svc, ctx, imageId);
  requireShared(image);
  const owner = isAdmin(svc, ctx) || (image.owner !== null && image.owner === ctx.projectId);
  if (!owner) {
    if (memberId === ctx.projectId) throw new ForbiddenError(`Not allowed to delete members for image ${imageId}.`);
    throw memberNotFound(memberId, imageId);
  }
  if (!allowed(svc, ctx, 'delete_member', image, membership)) throw new ForbiddenError(`Not allowed to delete members for image ${imageId}.`);
  if (!(await deleteMember(svc.db, imageId, memberId))) throw memberNotFound(memberId, imageId);
}
