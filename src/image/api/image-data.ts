import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { NotFoundError, UnsupportedMediaTypeError } from '../../core/http/index.js';
import { openImageData } from '../domain/download.js';
import { stageImageData, uploadImageData } from '../domain/upload.js';
import type { ImageService } from '../service.js';
import type { Guard, IdParams } from './kit.js';

function requireOctetStream(request: FastifyRequest): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/octet-stream') throw new UnsupportedMediaTypeError(`Invalid content type ${type || 'None'}`);
}

function contentLength(request: FastifyRequest): number | undefined {
  const raw = request.headers['content-length'];
  return raw === undefined ? undefined : Number(raw);
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
    const data = await openImageData(svc, callerOf(request), request.params.id, request.headers.range);
    if (data.kind === 'none') return reply.status(204).send();
    reply.header('content-type', 'application/octet-stream');
    if (data.checksum) reply.header('content-md5', data.checksum);
    const { range } = data;
    if (range) reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${data.size}`);
    reply.header('content-length', String(range ? range.end - range.start + 1 : data.size));
    return reply.send(data.stream);
  });
}
