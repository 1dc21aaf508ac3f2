import type { Readable } from 'node:stream';
import type { RequestContext } from '../../core/auth/index.js';
import { ApiError, BadRequestError, ConflictError, PayloadTooLargeError } from '../../core/http/index.js';
import { setStatus } from '../db/images.js';
import { InvalidImageData, StreamingFormatInspector, decideUpload } from '../formats/index.js';
import type { Image } from '../model.js';
import type { ImageService } from '../service.js';
import { findVisibleImage, requireOwnerAction } from './access.js';
import { copyIntoStore, TooManyBytes, type StoredData } from './data-pipeline.js';
import { ImageQuotas } from './quotas.js';

const statusConflict = (from: string, to: string): ConflictError =>
  new ConflictError(`Image status transition from ${from} to ${to} is not allowed`);

/**
 * Quota checks before a transfer, then the most bytes it may carry: the size cap. The
 * project's byte quota is checked only up front (Glance's way, see ImageQuotas.checkTransfer).
 */
async function byteBudget(svc: ImageService, image: Image, resource: 'image_size_total' | 'image_stage_total'): Promise<number> {
  const quotas = new ImageQuotas(svc);
  if (image.owner) await quotas.checkTransfer(image.owner, resource);
  return svc.settings.imageSizeCap;
}

function tooLarge(cap: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The incoming image is too large: The provided image is too large. (limit ${cap} bytes)`);
}

/** Maps what went wrong while streaming to the API's answer. */
function uploadError(e: unknown, cap: number): unknown {
  if (e instanceof TooManyBytes) return tooLarge(cap);
  if (e instanceof InvalidImageData) return new BadRequestError(e.message);
  if (e instanceof ApiError) return e;
  // The client went away mid-stream: nobody is left to read the answer, but the log
  // should not call it a server fault.
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'ECONNABORTED') {
    return new BadRequestError('The upload was interrupted before all image data arrived.');
  }
  return e;
}

/** Glance's post-upload verdict on the inspected format; throws InvalidImageData. */
export function verdict(svc: ImageService, image: Image, data: Omit<StoredData, 'location'>): number | null {
  if (!data.inspection) return null;
  return decideUpload({
    diskFormat: image.diskFormat, containerFormat: image.containerFormat, inspection: data.inspection,
    requireFormatMatch: svc.settings.requireFormatMatch, gptSafetyChecksNonfatal: svc.settings.gptSafetyChecksNonfatal,
  }).virtualSize;
}

export function newInspector(svc: ImageService): StreamingFormatInspector {
  return new StreamingFormatInspector({ vmdkAllowedTypes: svc.settings.vmdkAllowedTypes });
}

/**
 * Marks stored data as the image's, if the image is still in one of `from`; otherwise
 * (deleted or changed while the bytes streamed) the data is removed again and 409.
 */
export async function activate(svc: ImageService, id: string, stored: StoredData, virtualSize: number | null, from: readonly string[]): Promise<void> {
  const done = await setStatus(svc.db, id, from, 'active', svc.clock.now(), {
    size: stored.size, checksum: stored.md5, os_hash_algo: 'sha512', os_hash_value: stored.sha512,
    virtual_size: virtualSize, location: stored.location, store_id: svc.store.id,
  });
  if (!done) {
    await svc.store.delete(stored.location);
    throw new ConflictError(`Image ${id} could not be found after upload. The image may have been deleted during the upload.`);
  }
}

/**
 * PUT /v2/images/{id}/file: queued -> saving -> active. The bytes stream through hashing
 * and format inspection into the store; any failure (client gone, too large, bad
 * format) drops what was written and puts the image back to queued.
 */
export async function uploadImageData(svc: ImageService, ctx: RequestContext, id: string, source: Readable, contentLength: number | undefined): Promise<void> {
  const { image, cap } = await beginTransfer(svc, ctx, id, contentLength, 'saving', 'image_size_total');
  let virtualSize: number | null = null;
  let stored: StoredData;
  try {
    stored = await copyIntoStore(source, svc.store, id, {
      maxBytes: cap, inspector: newInspector(svc),
      beforeCommit: (data) => { virtualSize = verdict(svc, image, data); },
    });
  } catch (e) {
    await setStatus(svc.db, id, ['saving'], 'queued', svc.clock.now());
    throw uploadError(e, cap);
  }
  await activate(svc, id, stored, virtualSize, ['saving']);
}

/**
 * The checks every data transfer starts with, then queued -> `to` (compare-and-set, so
 * of two racing uploads one gets 409): upload rights, quotas, and a Content-Length
 * beyond the size cap refused before a byte is read.
 */
async function beginTransfer(svc: ImageService, ctx: RequestContext, id: string, contentLength: number | undefined, to: 'saving' | 'uploading', resource: 'image_size_total' | 'image_stage_total'): Promise<{ image: Image; cap: number }> {
  const { image, membership } = await findVisibleImage(svc, ctx, id);
  requireOwnerAction(svc, ctx, image, membership, 'upload_image');
  if (image.status !== 'queued') throw statusConflict(image.status, to);
  // The in-flight count is checked and raised (queued -> saving/uploading) under the
  // project's lock, so parallel uploads cannot all slip under image_count_uploading.
  return svc.projectLock.run(image.owner ?? '', async () => {
    const cap = await byteBudget(svc, image, resource);
    if (contentLength !== undefined && contentLength > cap) throw tooLarge(cap);
    if (!(await setStatus(svc.db, id, ['queued'], to, svc.clock.now()))) throw statusConflict(image.status, to);
    return { image, cap };
  });
}

/**
 * PUT /v2/images/{id}/stage (glance-direct, first half): queued -> uploading, bytes kept
 * in the staging area until POST .../import moves them into the store.
 */
export async function stageImageData(svc: ImageService, ctx: RequestContext, id: string, source: Readable, contentLength: number | undefined): Promise<void> {
  const { cap } = await beginTransfer(svc, ctx, id, contentLength, 'uploading', 'image_stage_total');
  try {
    const staged = await copyIntoStore(source, svc.staging, id, { maxBytes: cap });
    if (!(await setStatus(svc.db, id, ['uploading'], 'uploading', svc.clock.now(), { staged_size: staged.size }))) {
      await svc.staging.delete(staged.location);
      throw new ConflictError(`Image ${id} could not be found after upload. The image may have been deleted during the upload.`);
    }
  } catch (e) {
    await setStatus(svc.db, id, ['uploading'], 'queued', svc.clock.now(), { staged_size: null });
    throw uploadError(e, cap);
  }
}
