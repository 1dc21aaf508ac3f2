import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { RemoteApiError } from '../../core/http/index.js';
import type { ImageClient, ImageInfo } from '../../image/contract/client.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { endpointOf, resourceLinks } from './links.js';
import { checkBody } from './validate.js';

/** Glance fields that are not user properties (the rest are shown as `metadata`). */
const CORE = new Set(['id', 'name', 'status', 'visibility', 'owner', 'disk_format', 'container_format', 'size', 'virtual_size', 'min_disk', 'min_ram',
  'checksum', 'os_hash_algo', 'os_hash_value', 'protected', 'os_hidden', 'created_at', 'updated_at', 'tags', 'self', 'file', 'schema', 'direct_url', 'locations', 'stores']);
const STATUS: Record<string, [string, number]> = { active: ['ACTIVE', 100], queued: ['SAVING', 25], saving: ['SAVING', 50], importing: ['SAVING', 50], deleted: ['DELETED', 0], killed: ['ERROR', 0] };

function properties(image: ImageInfo): Record<string, string> {
  return Object.fromEntries(Object.entries(image).filter(([k, v]) => !CORE.has(k) && typeof v === 'string')) as Record<string, string>;
}

function view(request: FastifyRequest, image: ImageInfo, detail: boolean): Record<string, unknown> {
  const links = [...resourceLinks(request, 'images', image.id), { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${endpointOf(request)}/images/${image.id}` }];
  if (!detail) return { id: image.id, name: image.name, links };
  const [status, progress] = STATUS[image.status] ?? ['UNKNOWN', 0];
  const meta = properties(image);
  const out: Record<string, unknown> = {
    id: image.id, name: image.name, minRam: image.min_ram, minDisk: image.min_disk, metadata: meta, created: String(image.created_at), updated: String(image.updated_at),
    status, progress, 'OS-EXT-IMG-SIZE:size': image.size ?? 0, links,
  };
  if (meta.instance_uuid) out.server = { id: meta.instance_uuid, links: resourceLinks(request, 'servers', meta.instance_uuid) };
  return out;
}

const Metadata = Type.Object({ metadata: Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 255 })) }, { additionalProperties: false });
const Meta = Type.Object({ meta: Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 255 }), { minProperties: 1, maxProperties: 1 }) }, { additionalProperties: false });

/**
 * Nova's images proxy (deprecated at 2.36): Glance images shown the nova way, and their
 * properties as `metadata`, through the image API with the caller's token.
 */
export function registerImageProxyRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const until235 = { ...authed, config: { versions: { max: '2.35' } } };
  const client = (request: FastifyRequest): ImageClient => svc.clients.image(callerOf(request).token);
  const fetchImage = async (request: FastifyRequest, id: string): Promise<ImageInfo> => {
    try {
      return await client(request).image(id);
    } catch (e) {
      if (e instanceof RemoteApiError && e.status === 404) throw notFound('Image not found.');
      throw e;
    }
  };
  const glance = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      if (e instanceof RemoteApiError && e.status === 404) throw notFound('Image not found.');
      if (e instanceof RemoteApiError && e.status === 403) throw forbidden('You are not allowed to change this image.');
      if (e instanceof RemoteApiError && e.status < 500) throw badRequest(`The image service refused the change (${e.status}).`);
      throw e;
    }
  };
  const list = async (request: FastifyRequest, detail: boolean): Promise<unknown> => {
    const q = request.query as Record<string, string | undefined>;
    const query: Record<string, string> = {};
    if (q.name) query.name = q.name;
    if (q.status) query.status = q.status.toLowerCase() === 'active' ? 'active' : q.status.toLowerCase();
    if (q.limit) query.limit = q.limit;
    if (q.marker) query.marker = q.marker;
    if (q.server) query.instance_uuid = q.server.split('/').pop()!;
    if (q.type) query.image_type = q.type;
    const images = await glance(() => client(request).images(query));
    return { images: images.map((i) => view(request, i, detail)) };
  };
  app.get('/v2.1/images', until235, (request) => list(request, false));
  app.get('/v2.1/images/detail', until235, (request) => list(request, true));
  app.get<{ Params: { id: string } }>('/v2.1/images/:id', until235, async (request) => ({ image: view(request, await fetchImage(request, request.params.id), true) }));
  app.delete<{ Params: { id: string } }>('/v2.1/images/:id', until235, async (request, reply) => {
    await glance(() => client(request).deleteImage(request.params.id));
    return reply.status(204).send();
  });

  app.get<{ Params: { id: string } }>('/v2.1/images/:id/metadata', until235, async (request) => ({ metadata: properties(await fetchImage(request, request.params.id)) }));
  const write = async (request: FastifyRequest, id: string, values: Record<string, string>, replace: boolean): Promise<Record<string, string>> => {
    const current = properties(await fetchImage(request, id));
    const ops: Array<{ op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }> = [];
    if (replace) for (const k of Object.keys(current)) if (!(k in values)) ops.push({ op: 'remove', path: `/${k}` });
    for (const [k, v] of Object.entries(values)) ops.push({ op: k in current ? 'replace' : 'add', path: `/${k}`, value: v });
    if (ops.length === 0) return current;
    return properties(await glance(() => client(request).patchImage(id, ops)));
  };
  app.post<{ Params: { id: string } }>('/v2.1/images/:id/metadata', until235, async (request) => ({
    metadata: await write(request, request.params.id, checkBody(Metadata, request.body).metadata, false),
  }));
  app.put<{ Params: { id: string } }>('/v2.1/images/:id/metadata', until235, async (request) => ({
    metadata: await write(request, request.params.id, checkBody(Metadata, request.body).metadata, true),
  }));
  app.get<{ Params: { id: string; key: string } }>('/v2.1/images/:id/metadata/:key', until235, async (request) => {
    const value = properties(await fetchImage(request, request.params.id))[request.params.key];
    if (value === undefined) throw notFound(`Image ${request.params.id} has no metadata with key ${request.params.key}.`);
    return { meta: { [request.params.key]: value } };
  });
  app.put<{ Params: { id: string; key: string } }>('/v2.1/images/:id/metadata/:key', until235, async (request) => {
    const { meta } = checkBody(Meta, request.body);
    if (!(request.params.key in meta)) throw badRequest('Request body and URI mismatch');
    await write(request, request.params.id, meta, false);
    return { meta };
  });
  app.delete<{ Params: { id: string; key: string } }>('/v2.1/images/:id/metadata/:key', until235, async (request, reply) => {
    const current = properties(await fetchImage(request, request.params.id));
    if (!(request.params.key in current)) throw notFound(`Image ${request.params.id} has no metadata with key ${request.params.key}.`);
    await glance(() => client(request).patchImage(request.params.id, [{ op: 'remove', path: `/${request.params.key}` }]));
    return reply.status(204).send();
  });
}
