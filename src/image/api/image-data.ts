import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { ApiError, ForbiddenError, NotFoundError, UnsupportedMediaTypeError } from '../../core/http/index.js';
import { authorizeOn, findVisibleImage, isAdmin } from '../domain/access.js';
import { stageImageData, uploadImageData } from '../domain/upload.js';
import type { ImageService } from '../service.js';
import { StoredDataNotFound } from '../store/data-store.js';
import type { Guard, IdParams } from './kit.js';

function requireOctetStream(request: FastifyRequest): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/octet-stream') throw new UnsupportedMediaTypeError(`Invalid content type ${type || 'None'}`);
}

function contentLength(request: FastifyRequest): number | undefined {
  const raw = request.headers['content-length'];
  return raw === undefined ? undefined : Number(raw);
}

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

export function registerImageDataRoutes(app: FastifyInstance, svc: ImageService, authed: Guard): void {
  // Image bytes are never parsed: the handler streams the request itself into the store.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.put<{ Params: IdParams }>('/v2/images/:id/file', { ...authed, bodyLimit: Number.MAX_SAFE_INTEGER }, async (request, reply) => {
    requireOctetStream(request);
    await uploadImageData(svc, callerOf(request), request.params.id, request.raw, contentLength(request));
    return reply.status(204).send();
  });

  app.put<{ Params: IdParams }>('/v2/images/:id/stage', { ...authed, bodyLimit: Number.MAX_SAFE_INTEGER }, async (request, reply) => {
    if (!svc.settings.importMethods.includes('glance-direct')) throw new NotFoundError("'glance-direct' method is not available at this site.");
    requireOctetStream(request);
    await stageImageData(svc, callerOf(request), request.params.id, request.raw, contentLength(request));
    return reply.status(204).send();
  });

  app.get<{ Params: IdParams }>('/v2/images/:id/file', authed, async (request, reply) => {
    const ctx = callerOf(request);
    const { image, membership } = await findVisibleImage(svc, ctx, request.params.id);
    if (image.status === 'deactivated' && !isAdmin(svc, ctx)) {
      throw new ForbiddenError('The requested image has been deactivated. Image data download is forbidden.');
    }
    authorizeOn(svc, ctx, 'download_image', image, membership);
    const store = svc.storeById(image.storeId);
    // No data yet (queued, saving): Glance answers 204 No Content.
    if (image.status !== 'active' && image.status !== 'deactivated') return reply.status(204).send();
    if (!store || !image.location || image.size === null) return reply.status(204).send();
    const range = parseRange(request.headers.range, image.size);
    let stream;
    try {
      stream = await store.open(image.location, range);
    } catch (e) {
      if (e instanceof StoredDataNotFound) return reply.status(204).send();
      throw e;
    }
    reply.header('content-type', 'application/octet-stream');
    if (image.checksum) reply.header('content-md5', image.checksum);
    if (range) {
      reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${image.size}`);
      reply.header('content-length', String(range.end - range.start + 1));
    } else {
      reply.header('content-length', String(image.size));
    }
    return reply.send(stream);
  });
}
