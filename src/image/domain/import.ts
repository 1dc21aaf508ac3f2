import type { RequestContext } from '../../core/auth/index.js';
import { BadRequestError, ConflictError } from '../../core/http/index.js';
import { setProperty, setStatus } from '../db/images.js';
import { finishTask, insertTask, setTaskStatus } from '../db/tasks.js';
import type { Image, ImageTask } from '../model.js';
import type { ImageService } from '../service.js';
import { findVisibleImage, requireOwnerAction } from './access.js';
import { copyIntoStore } from './data-pipeline.js';
import { activate, newInspector, verdict } from './upload.js';

/** Glance keeps finished tasks for 48 hours ([task] task_time_to_live). */
const TASK_TTL_MS = 48 * 3600 * 1000;

export interface ImportRequest {
  method?: { name?: unknown; uri?: unknown };
  stores?: unknown;
  all_stores?: unknown;
  all_stores_must_succeed?: unknown;
}

/** Validates an import body as Glance's deserializer does; returns the method name. */
function checkRequest(svc: ImageService, body: ImportRequest | undefined): string {
  if (!body || typeof body !== 'object') throw new BadRequestError('Body expected in request.');
  if (!body.method || typeof body.method !== 'object') throw new BadRequestError("Import request requires a 'method' field.");
  const name = body.method.name;
  if (name === undefined) throw new BadRequestError("Import request requires a 'name' field.");
  if (typeof name !== 'string' || !svc.settings.importMethods.includes(name)) throw new BadRequestError(`Unknown import method name '${String(name)}'.`);
  if (body.all_stores_must_succeed !== undefined && typeof body.all_stores_must_succeed !== 'boolean') {
    throw new BadRequestError("'all_stores_must_succeed' must be boolean value only");
  }
  if (body.all_stores !== undefined && typeof body.all_stores !== 'boolean') throw new BadRequestError("'all_stores' must be boolean value only");
  if (body.stores !== undefined) {
    if (!Array.isArray(body.stores)) throw new BadRequestError("'stores' must be a list of store identifiers");
    for (const store of body.stores) {
      if (store !== svc.store.id) throw new ConflictError(`Unknown store ${String(store)}`);
    }
  }
  return name;
}

/**
 * POST /v2/images/{id}/import with glance-direct: answers 202 at once and moves the
 * staged bytes into the store in the background, recording a task the client can
 * follow at /v2/images/{id}/tasks.
 */
export async function importImage(svc: ImageService, ctx: RequestContext, id: string, body: ImportRequest | undefined): Promise<ImageTask> {
  const method = checkRequest(svc, body);
  const { image, membership } = await findVisibleImage(svc, ctx, id);
  requireOwnerAction(svc, ctx, image, membership, 'modify_image');
  if (method === 'glance-direct' && image.status !== 'uploading') {
    throw new ConflictError("Image needs to be staged before 'glance-direct' method can be used");
  }
  const now = svc.clock.now();
  const task: ImageTask = {
    id: svc.ids.uuid(), imageId: id, type: 'api_image_import', status: 'pending', owner: ctx.projectId ?? '',
    input: { image_id: id, import_req: body as Record<string, unknown>, backend: [svc.store.id] },
    result: null, message: '', requestId: ctx.requestId, userId: ctx.userId, createdAt: now, updatedAt: now, expiresAt: null,
  };
  if (!(await setStatus(svc.db, id, ['uploading'], 'importing', now))) throw new ConflictError(`Image status transition from ${image.status} to importing is not allowed`);
  await insertTask(svc.db, task);
  await setProperty(svc.db, id, 'os_glance_import_task', task.id);
  await setProperty(svc.db, id, 'os_glance_importing_to_stores', svc.store.id);
  await setProperty(svc.db, id, 'os_glance_failed_import', '');
  void svc.track(runImport(svc, image, task));
  return task;
}

async function runImport(svc: ImageService, image: Image, task: ImageTask): Promise<void> {
  const id = image.id;
  await setTaskStatus(svc.db, task.id, 'processing', svc.clock.now());
  const stagedAt = svc.staging.locationFor(id);
  try {
    let virtualSize: number | null = null;
    const stored = await copyIntoStore(await svc.staging.open(stagedAt), svc.store, id, {
      maxBytes: svc.settings.imageSizeCap, inspector: newInspector(svc),
      beforeCommit: (data) => { virtualSize = verdict(svc, image, data); },
    });
    await activate(svc, id, stored, virtualSize, ['importing']);
    await setStatus(svc.db, id, ['active'], 'active', svc.clock.now(), { staged_size: null });
    await setProperty(svc.db, id, 'os_glance_importing_to_stores', '');
    await svc.staging.delete(stagedAt);
    const end = svc.clock.now();
    await finishTask(svc.db, task.id, 'success', '', { image_id: id }, end, new Date(end.getTime() + TASK_TTL_MS));
  } catch (e) {
    svc.log.warn({ err: e, image: id }, 'image import failed');
    await svc.staging.delete(stagedAt).catch(() => {});
    await setStatus(svc.db, id, ['importing'], 'queued', svc.clock.now(), { staged_size: null }).catch(() => false);
    await setProperty(svc.db, id, 'os_glance_importing_to_stores', '').catch(() => {});
    await setProperty(svc.db, id, 'os_glance_failed_import', svc.store.id).catch(() => {});
    const end = svc.clock.now();
    await finishTask(svc.db, task.id, 'failure', e instanceof Error ? e.message : String(e), null, end, new Date(end.getTime() + TASK_TTL_MS)).catch(() => {});
  }
}
