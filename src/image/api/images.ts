import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { ApiError, BadRequestError } from '../../core/http/index.js';
import { findVisibleImage } from '../domain/access.js';
import { ACTIVATION, changeActivation, tagImage, untagImage } from '../domain/image-actions.js';
import { createImage, deleteImage, updateImage } from '../domain/images.js';
import type { ImageValidator } from '../domain/image-schema.js';
import { listVisibleImages, type RawQuery } from '../domain/listing.js';
import { parsePatch, PATCH_MEDIA_TYPES } from '../domain/patch.js';
import type { ImageService } from '../service.js';
import type { Guard, IdParams } from './kit.js';
import { imageView } from './view.js';

function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === undefined || body === null) throw new BadRequestError('Body expected in request.');
  if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError("Provided object does not match schema 'image': body is not of type 'object'");
  return body as Record<string, unknown>;
}

/** The query string of the list request without `marker`, for the `first`/`next` links. */
function pageLinks(request: FastifyRequest, nextMarker: string | undefined): { first: string; next?: string } {
  const params = new URLSearchParams(request.url.split('?')[1] ?? '');
  params.delete('marker');
  const query = params.toString();
  const links: { first: string; next?: string } = { first: query ? `/v2/images?${query}` : '/v2/images' };
  if (nextMarker) {
    params.set('marker', nextMarker);
    links.next = `/v2/images?${params.toString()}`;
  }
  return links;
}

export function registerImageRoutes(app: FastifyInstance, svc: ImageService, validator: ImageValidator, authed: Guard): void {
  app.post('/v2/images', authed, async (request, reply) => {
    const image = await createImage(svc, validator, callerOf(request), bodyObject(request));
    reply.header('location', `/v2/images/${image.id}`);
    if (svc.settings.importMethods.length) reply.header('openstack-image-import-methods', svc.settings.importMethods.join(','));
    reply.header('openstack-image-store-ids', svc.store.id);
    return reply.status(201).send(imageView(svc, image));
  });

  app.get('/v2/images', authed, async (request) => {
    const { images, nextMarker } = await listVisibleImages(svc, callerOf(request), request.query as RawQuery);
    return { images: images.map((i) => imageView(svc, i)), ...pageLinks(request, nextMarker), schema: '/v2/schemas/images' };
  });

  app.get<{ Params: IdParams }>('/v2/images/:id', authed, async (request) => {
    const { image } = await findVisibleImage(svc, callerOf(request), request.params.id);
    return imageView(svc, image);
  });

  app.patch<{ Params: IdParams }>('/v2/images/:id', authed, async (request) => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const draft = PATCH_MEDIA_TYPES[type];
    if (draft === undefined) {
      throw new ApiError(415, 'Unsupported Media Type', 'The media type of the request is not supported.', { 'Accept-Patch': Object.keys(PATCH_MEDIA_TYPES).sort().join(', ') });
    }
    const changes = parsePatch(request.body, draft);
    return imageView(svc, await updateImage(svc, validator, callerOf(request), request.params.id, changes));
  });

  app.delete<{ Params: IdParams }>('/v2/images/:id', authed, async (request, reply) => {
    await deleteImage(svc, callerOf(request), request.params.id);
    return reply.status(204).send();
  });

  for (const action of Object.keys(ACTIVATION) as Array<keyof typeof ACTIVATION>) {
    app.post<{ Params: IdParams }>(`/v2/images/:id/actions/${action}`, authed, async (request, reply) => {
      await changeActivation(svc, callerOf(request), request.params.id, action);
      return reply.status(204).send();
    });
  }

  app.put<{ Params: IdParams & { tag: string } }>('/v2/images/:id/tags/:tag', authed, async (request, reply) => {
    await tagImage(svc, callerOf(request), request.params.id, request.params.tag);
    return reply.status(204).send();
  });

  app.delete<{ Params: IdParams & { tag: string } }>('/v2/images/:id/tags/:tag', authed, async (request, reply) => {
    await untagImage(svc, callerOf(request), request.params.id, request.params.tag);
    return reply.status(204).send();
  });
}
