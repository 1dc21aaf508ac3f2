import { isoSeconds } from '../../core/clock.js';
import type { Image, ImageMember, ImageTask } from '../model.js';
import type { ImageService } from '../service.js';

/** Properties Glance keeps for itself and never shows. */
const HIDDEN_PROPERTIES = new Set(['os_glance_stage_host']);

/** An image as Glance's ResponseSerializer renders it: extra properties at the top level. */
export function imageView(svc: ImageService, image: Image): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(image.properties)) if (!HIDDEN_PROPERTIES.has(k)) view[k] = v;
  Object.assign(view, {
    name: image.name,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    visibility: image.visibility,
    size: image.size,
    virtual_size: image.virtualSize,
    status: image.status,
    checksum: image.checksum,
    protected: image.protected,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    owner: image.owner,
    os_hidden: image.osHidden,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    id: image.id,
    created_at: isoSeconds(image.createdAt),
    updated_at: isoSeconds(image.updatedAt),
    tags: image.tags,
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  });
  if (svc.settings.showDirectUrl && image.location) view['direct_url'] = image.location;
  // One store is configured and named, so images report where their data is, as
  // Glance does with enabled_backends.
  if (image.storeId && image.status !== 'queued') view['stores'] = image.storeId;
  return view;
}

export function memberView(member: ImageMember): Record<string, unknown> {
  return {
    created_at: isoSeconds(member.createdAt),
    image_id: member.imageId,
    member_id: member.memberId,
    schema: '/v2/schemas/member',
    status: member.status,
    updated_at: isoSeconds(member.updatedAt),
  };
}

export function taskView(task: ImageTask): Record<string, unknown> {
  return {
    id: task.id,
    type: task.type,
    status: task.status,
    owner: task.owner,
    expires_at: task.expiresAt ? isoSeconds(task.expiresAt) : null,
    created_at: isoSeconds(task.createdAt),
    updated_at: isoSeconds(task.updatedAt),
    input: task.input,
    result: task.result,
    message: task.message,
    image_id: task.imageId,
    request_id: task.requestId,
    user_id: task.userId,
  };
}
