import type { RequestContext } from '../../core/auth/index.js';
import { BadRequestError, ConflictError, ForbiddenError, PayloadTooLargeError } from '../../core/http/index.js';
import { deleteImageRow, getImage, insertImage, saveImage } from '../db/images.js';
import { READ_ONLY_ATTRIBUTES, RESERVED_ATTRIBUTES, RESERVED_NAMESPACE, type Image, type ImageMember, type Visibility } from '../model.js';
import type { ImageService } from '../service.js';
import { authorizeOn, findVisibleImage, imageNotFound, isAdmin, requireOwnerAction } from './access.js';
import type { ImageValidator } from './image-schema.js';
import { ImageQuotas } from './quotas.js';

/** Attributes of the image record itself; every other key is an extra property. */
const BASE_KEYS = new Set(['id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'owner', 'size', 'virtual_size', 'checksum',
  'os_hash_algo', 'os_hash_value', 'disk_format', 'container_format', 'min_ram', 'min_disk', 'created_at', 'updated_at', 'tags']);
const DISALLOWED_ON_CREATE = ['direct_url', 'self', 'file', 'schema', 'stores'];

function reservedKey(key: string): boolean {
  return (RESERVED_ATTRIBUTES as readonly string[]).includes(key) || key.startsWith(RESERVED_NAMESPACE);
}

/** Glance answers per-image limits (properties, tags, members) with 413. */
export function checkQuotaOfProperties(svc: ImageService, props: Record<string, string>): void {
  const max = svc.settings.propertyQuota;
  if (max !== null && Object.keys(props).length > max) {
    throw new PayloadTooLargeError(`Maximum number of image properties exceeded. Attempted: ${Object.keys(props).length}, Maximum: ${max}`);
  }
}

export function checkQuotaOfTags(svc: ImageService, tags: readonly string[]): void {
  const max = svc.settings.tagQuota;
  if (max !== null && new Set(tags).size > max) {
    throw new PayloadTooLargeError(`Maximum number of tags exceeded. Attempted: ${new Set(tags).size}, Maximum: ${max}`);
  }
}


function checkNonNegative(name: string, value: unknown): void {
  if (typeof value === 'number' && value < 0) throw new BadRequestError(`Cannot set ${name} to a negative value.`);
}

/** Visibility changes need their own rights: publicize_image, communitize_image. */
function authorizeVisibility(svc: ImageService, ctx: RequestContext, image: Image, membership: ImageMember | undefined, visibility: Visibility): void {
  if (visibility === 'public') authorizeOn(svc, ctx, 'publicize_image', image, membership);
  if (visibility === 'community') authorizeOn(svc, ctx, 'communitize_image', image, membership);
}

/** POST /v2/images: validates like Glance's deserializer, then creates a queued image. */
export async function createImage(svc: ImageService, validator: ImageValidator, ctx: RequestContext, body: Record<string, unknown>): Promise<Image> {
  for (const key of DISALLOWED_ON_CREATE) if (key in body) throw new ForbiddenError(`Attribute '${key}' is read-only.`);
  const problem = validator.problem(body);
  if (problem) throw new BadRequestError(problem);
  for (const key of Object.keys(body)) {
    if (BASE_KEYS.has(key)) continue;
    if (key.length > 255) throw new BadRequestError('Custom property should not be greater than 255 characters.');
    if (reservedKey(key)) throw new ForbiddenError(`Attribute '${key}' is reserved.`);
    if (key === 'locations') throw new ForbiddenError("Attribute 'locations' is reserved.");
  }
  for (const key of ['status', 'checksum', 'size', 'virtual_size', 'created_at', 'updated_at', 'os_hash_algo', 'os_hash_value']) {
    if (key in body) throw new ForbiddenError(`Attribute '${key}' is read-only.`);
  }
  checkNonNegative('min_ram', body['min_ram']);
  checkNonNegative('min_disk', body['min_disk']);
  const now = svc.clock.now();
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (!BASE_KEYS.has(k) && typeof v === 'string') properties[k] = v;
  const image: Image = {
    id: (body['id'] as string | undefined) ?? svc.ids.uuid(),
    name: (body['name'] as string | null | undefined) ?? null,
    status: 'queued',
    visibility: (body['visibility'] as Visibility | undefined) ?? 'shared',
    protected: (body['protected'] as boolean | undefined) ?? false,
    osHidden: (body['os_hidden'] as boolean | undefined) ?? false,
    owner: 'owner' in body ? (body['owner'] as string | null) : ctx.projectId ?? null,
    size: null, virtualSize: null, checksum: null, osHashAlgo: null, osHashValue: null,
    diskFormat: (body['disk_format'] as string | null | undefined) ?? null,
    containerFormat: (body['container_format'] as string | null | undefined) ?? null,
    minRam: (body['min_ram'] as number | undefined) ?? 0,
    minDisk: (body['min_disk'] as number | undefined) ?? 0,
    createdAt: now, updatedAt: now, location: null, storeId: null,
    tags: [...new Set((body['tags'] as string[] | undefined) ?? [])],
    properties,
  };
  authorizeOn(svc, ctx, 'add_image', image, undefined);
  authorizeVisibility(svc, ctx, image, undefined, image.visibility);
  checkQuotaOfProperties(svc, image.properties);
  checkQuotaOfTags(svc, image.tags);
  // Count and insert under the project's lock, so parallel creates cannot all pass
  // the check while the project has room for only one.
  return svc.projectLock.run(image.owner ?? '', async () => {
    if (image.owner) await new ImageQuotas(svc).checkImageCount(image.owner);
    if (await getImage(svc.db, image.id)) throw new ConflictError(`Image with identifier ${image.id} already exists!`);
    try {
      await insertImage(svc.db, image);
    } catch (e) {
      if (await getImage(svc.db, image.id)) throw new ConflictError(`Image with identifier ${image.id} already exists!`);
      throw e;
    }
    return image;
  });
}

export type PatchOp = { op: 'add' | 'replace' | 'remove'; path: string[]; value?: unknown; draft: 4 | 10 };

/** Applies a validated JSON-patch to an image (images.py update/_do_add/_do_replace/_do_remove). */
export async function updateImage(svc: ImageService, validator: ImageValidator, ctx: RequestContext, id: string, changes: readonly PatchOp[]): Promise<Image> {
  const { image, membership } = await findVisibleImage(svc, ctx, id);
  requireOwnerAction(svc, ctx, image, membership, 'modify_image');
  const next: Image = { ...image, tags: [...image.tags], properties: { ...image.properties } };
  for (const change of changes) applyChange(svc, validator, ctx, next, membership, change);
  if (changes.length === 0) return image;
  checkQuotaOfProperties(svc, next.properties);
  checkQuotaOfTags(svc, next.tags);
  next.updatedAt = svc.clock.now();
  if (!(await saveImage(svc.db, next))) throw imageNotFound(id);
  return (await getImage(svc.db, id)) ?? next;
}

const SETTERS: Record<string, (image: Image, value: unknown) => void> = {
  name: (i, v) => { i.name = v as string | null; },
  visibility: (i, v) => { i.visibility = v as Visibility; },
  protected: (i, v) => { i.protected = v as boolean; },
  os_hidden: (i, v) => { i.osHidden = v as boolean; },
  owner: (i, v) => { i.owner = v as string | null; },
  disk_format: (i, v) => { i.diskFormat = v as string | null; },
  container_format: (i, v) => { i.containerFormat = v as string | null; },
  min_ram: (i, v) => { i.minRam = v as number; },
  min_disk: (i, v) => { i.minDisk = v as number; },
  tags: (i, v) => { i.tags = [...new Set(v as string[])]; },
};

function applyChange(svc: ImageService, validator: ImageValidator, ctx: RequestContext, image: Image, membership: ImageMember | undefined, change: PatchOp): void {
  const root = change.path[0] ?? '';
  if ((READ_ONLY_ATTRIBUTES as readonly string[]).includes(root)) throw new ForbiddenError(`Attribute '${root}' is read-only.`);
  if (reservedKey(root)) throw new ForbiddenError(`Attribute '${root}' is reserved.`);
  if (root === 'locations') throw new ForbiddenError('It\'s not allowed to update locations if locations are invisible.');
  const setter = SETTERS[root];
  if (change.op !== 'remove') {
    const problem = validator.problem({ [root]: change.value });
    if (problem) throw new BadRequestError(problem);
    if (root === 'min_ram' || root === 'min_disk') checkNonNegative(root, change.value);
  }
  if (change.op === 'remove') {
    if (setter || BASE_KEYS.has(root)) throw new ForbiddenError(`Property ${root} may not be removed.`);
    if (!(root in image.properties)) throw new ConflictError(`Property ${root} does not exist.`);
    delete image.properties[root];
    return;
  }
  if (root === 'owner' && !isAdmin(svc, ctx)) throw new ForbiddenError("Owner can't be updated by non admin.");
  if (root === 'visibility') authorizeVisibility(svc, ctx, image, membership, change.value as Visibility);
  const exists = setter !== undefined || root in image.properties;
  if (change.op === 'add' && change.draft === 4 && exists) throw new ConflictError(`Property ${root} already present.`);
  if (change.op === 'replace' && !exists) throw new ConflictError(`Property ${root} does not exist.`);
  if (setter) setter(image, change.value);
  else image.properties[root] = change.value as string;
}

/** DELETE /v2/images/{id}: protected images refuse; data is removed after the record. */
export async function deleteImage(svc: ImageService, ctx: RequestContext, id: string): Promise<void> {
  const { image, membership } = await findVisibleImage(svc, ctx, id);
  requireOwnerAction(svc, ctx, image, membership, 'delete_image');
  if (image.protected) throw new ForbiddenError(`Image ${id} is protected and cannot be deleted.`);
  if (!(await deleteImageRow(svc.db, id))) throw imageNotFound(id);
  // The record is gone first, so nobody can start reading data that is about to vanish;
  // an upload still streaming notices at commit time and drops its own file.
  const store = svc.storeById(image.storeId);
  if (store && image.location) await store.delete(image.location).catch((e: unknown) => svc.log.warn({ err: e, image: id }, 'could not delete image data'));
  await svc.staging.delete(svc.staging.locationFor(id)).catch(() => {});
}
