import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import { networkInfoOf } from '../domain/instance-model.js';
import { getInstance, getInstanceEvenDeleted, metadataOf, tagsOf } from '../domain/instances.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { novaTime } from './services.js';
import { checkBody } from './validate.js';

type IdParams = { Params: { id: string } };
type KeyParams = { Params: { id: string; key: string } };

const Meta = Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 255 }));
const MetadataBody = Type.Object({ metadata: Meta }, { additionalProperties: false });
const MetaItem = Type.Object({ meta: Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 255 }), { minProperties: 1, maxProperties: 1 }) }, { additionalProperties: false });
const TAG = Type.String({ minLength: 1, maxLength: 60, pattern: '^[^,/]*$' });
const TagsBody = Type.Object({ tags: Type.Array(TAG, { maxItems: 50 }) }, { additionalProperties: false });

export function registerServerSubresourceRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const server = async (request: FastifyRequest<IdParams>, policy: string, evenDeleted = false): Promise<InstanceRow> => {
    const ctx = callerOf(request);
    const row = evenDeleted ? await getInstanceEvenDeleted(svc, ctx, request.params.id) : await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, policy, { project_id: row.project_id });
    return row;
  };
  const metadata = async (row: InstanceRow): Promise<Record<string, string>> => (await metadataOf(svc, [row.uuid])).get(row.uuid)!;
  const writeMetadata = async (row: InstanceRow, values: Record<string, string>, replace: boolean): Promise<Record<string, string>> => {
    checkMetadataKeys(values);
    const merged = replace ? values : { ...(await metadata(row)), ...values };
    const limit = svc.settings.defaultQuotas.metadata_items;
    if (limit >= 0 && Object.keys(merged).length > limit) throw forbidden(`Quota exceeded for metadata_items: Requested ${Object.keys(merged).length}, but already used 0 of ${limit} metadata_items`);
    await svc.db.transaction().execute(async (tx) => {
      if (replace) await tx.deleteFrom('instance_metadata').where('instance_uuid', '=', row.uuid).execute();
      else if (Object.keys(values).length) await tx.deleteFrom('instance_metadata').where('instance_uuid', '=', row.uuid).where('key', 'in', Object.keys(values)).execute();
      const entries = Object.entries(replace ? merged : values);
      if (entries.length) await tx.insertInto('instance_metadata').values(entries.map(([key, value]) => ({ instance_uuid: row.uuid, key, value }))).execute();
    });
    return merged;
  };

  // Server metadata (os-server-metadata).
  app.get<IdParams>('/v2.1/servers/:id/metadata', authed, async (request) => ({ metadata: await metadata(await server(request, 'os_compute_api:server-metadata:index')) }));
  app.post<IdParams>('/v2.1/servers/:id/metadata', authed, async (request) => {
    const row = await server(request, 'os_compute_api:server-metadata:create');
    return { metadata: await writeMetadata(row, checkBody(MetadataBody, request.body).metadata, false) };
  });
  app.put<IdParams>('/v2.1/servers/:id/metadata', authed, async (request) => {
    const row = await server(request, 'os_compute_api:server-metadata:update_all');
    return { metadata: await writeMetadata(row, checkBody(MetadataBody, request.body).metadata, true) };
  });
  app.get<KeyParams>('/v2.1/servers/:id/metadata/:key', authed, async (request) => {
    const value = (await metadata(await server(request, 'os_compute_api:server-metadata:show')))[request.params.key];
    if (value === undefined) throw notFound('Metadata item was not found');
    return { meta: { [request.params.key]: value } };
  });
  app.put<KeyParams>('/v2.1/servers/:id/metadata/:key', authed, async (request) => {
    const row = await server(request, 'os_compute_api:server-metadata:update');
    const { meta } = checkBody(MetaItem, request.body);
    if (!(request.params.key in meta)) throw badRequest('Request body and URI mismatch');
    await writeMetadata(row, meta, false);
    return { meta };
  });
  app.delete<KeyParams>('/v2.1/servers/:id/metadata/:key', authed, async (request, reply) => {
    const row = await server(request, 'os_compute_api:server-metadata:delete');
    const r = await svc.db.deleteFrom('instance_metadata').where('instance_uuid', '=', row.uuid).where('key', '=', request.params.key).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('Metadata item was not found');
    return reply.status(204).send();
  });

  // Server tags (2.26).
  const since226 = { ...authed, config: { versions: { min: '2.26' } } };
  app.get<IdParams>('/v2.1/servers/:id/tags', since226, async (request) => ({ tags: (await tagsOf(svc, [(await server(request, 'os_compute_api:os-server-tags:index')).uuid])).values().next().value }));
  app.put<IdParams>('/v2.1/servers/:id/tags', since226, async (request) => {
    const row = await server(request, 'os_compute_api:os-server-tags:update_all');
    const tags = [...new Set(checkBody(TagsBody, request.body).tags)];
    await svc.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('instance_tags').where('instance_uuid', '=', row.uuid).execute();
      if (tags.length) await tx.insertInto('instance_tags').values(tags.map((tag) => ({ instance_uuid: row.uuid, tag }))).execute();
    });
    return { tags: tags.sort() };
  });
  app.delete<IdParams>('/v2.1/servers/:id/tags', since226, async (request, reply) => {
    const row = await server(request, 'os_compute_api:os-server-tags:delete_all');
    await svc.db.deleteFrom('instance_tags').where('instance_uuid', '=', row.uuid).execute();
    return reply.status(204).send();
  });
  app.get<KeyParams>('/v2.1/servers/:id/tags/:key', since226, async (request, reply) => {
    const row = await server(request, 'os_compute_api:os-server-tags:show');
    if (!(await tagsOf(svc, [row.uuid])).get(row.uuid)!.includes(request.params.key)) throw notFound(`Tag ${request.params.key} could not be found.`);
    return reply.status(204).send();
  });
  app.put<KeyParams>('/v2.1/servers/:id/tags/:key', since226, async (request, reply) => {
    const row = await server(request, 'os_compute_api:os-server-tags:update');
    const tag = request.params.key;
    if (tag.length > 60 || /[,/]/.test(tag)) throw badRequest(`Tag '${tag}' is invalid.`);
    const tags = (await tagsOf(svc, [row.uuid])).get(row.uuid)!;
    if (tags.includes(tag)) return reply.status(204).send();
    if (tags.length >= 50) throw badRequest(`The number of tags exceeded the per-server limit 50`);
    await svc.db.insertInto('instance_tags').values({ instance_uuid: row.uuid, tag }).execute();
    return reply.status(201).header('location', `/v2.1/servers/${row.uuid}/tags/${encodeURIComponent(tag)}`).send();
  });
  app.delete<KeyParams>('/v2.1/servers/:id/tags/:key', since226, async (request, reply) => {
    const row = await server(request, 'os_compute_api:os-server-tags:delete');
    const r = await svc.db.deleteFrom('instance_tags').where('instance_uuid', '=', row.uuid).where('tag', '=', request.params.key).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound(`Tag ${request.params.key} could not be found.`);
    return reply.status(204).send();
  });

  // Addresses (ips).
  const addresses = (row: InstanceRow): Record<string, Array<{ version: number; addr: string }>> => {
    const out: Record<string, Array<{ version: number; addr: string }>> = {};
    for (const vif of networkInfoOf(row)) for (const ip of vif.ips) (out[vif.networkName] ??= []).push({ version: ip.version, addr: ip.address });
    return out;
  };
  app.get<IdParams>('/v2.1/servers/:id/ips', authed, async (request) => ({ addresses: addresses(await server(request, 'os_compute_api:ips:index')) }));
  app.get<KeyParams>('/v2.1/servers/:id/ips/:key', authed, async (request) => {
    const list = addresses(await server(request, 'os_compute_api:ips:show'))[request.params.key];
    if (!list) throw notFound('Instance is not a member of specified network');
    return { [request.params.key]: list };
  });

  // Instance actions and their events.
  app.get<IdParams>('/v2.1/servers/:id/os-instance-actions', authed, async (request) => {
    const row = await server(request, 'os_compute_api:os-instance-actions:list', request.apiVersion.atLeast('2.21'));
    const rows = await svc.db.selectFrom('instance_actions').selectAll().where('instance_uuid', '=', row.uuid).orderBy('id', 'desc').execute();
    return { instanceActions: rows.map((a) => actionView(request, a)) };
  });
  app.get<{ Params: { id: string; req: string } }>('/v2.1/servers/:id/os-instance-actions/:req', authed, async (request) => {
    const ctx = callerOf(request);
    const row = await server(request as unknown as FastifyRequest<IdParams>, 'os_compute_api:os-instance-actions:show', request.apiVersion.atLeast('2.21'));
    const action = await svc.db.selectFrom('instance_actions').selectAll().where('instance_uuid', '=', row.uuid).where('request_id', '=', request.params.req).executeTakeFirst();
    if (!action) throw notFound(`Action for request_id ${request.params.req} on instance ${row.uuid} not found`);
    const view = actionView(request, action);
    const showEvents = request.apiVersion.atLeast('2.51') || svc.allowed(ctx, 'os_compute_api:os-instance-actions:events', { project_id: row.project_id });
    if (showEvents) {
      const admin = svc.allowed(ctx, 'os_compute_api:os-instance-actions:events', { project_id: row.project_id });
      const events = await svc.db.selectFrom('instance_action_events').selectAll().where('action_id', '=', action.id).orderBy('id').execute();
      view.events = events.map((e) => ({
        event: e.event, start_time: novaTime(e.start_time), finish_time: novaTime(e.finish_time), result: e.result,
        ...(admin ? { traceback: e.traceback } : {}), ...(admin && request.apiVersion.atLeast('2.62') ? { host: e.host, hostId: '' } : {}),
        ...(request.apiVersion.atLeast('2.84') && admin ? { details: e.details } : {}),
      }));
    }
    return { instanceAction: view };
  });
}

/** Metadata keys are 1 to 255 characters (JSON schema cannot say so for object keys). */
export function checkMetadataKeys(values: Record<string, string>): void {
  for (const key of Object.keys(values)) {
    if (key.length === 0 || key.length > 255) throw badRequest(`Invalid input for field/attribute metadata. Value: ${key}. '${key}' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'`);
  }
}

function actionView(request: FastifyRequest, a: { action: string; instance_uuid: string; request_id: string; user_id: string; project_id: string; start_time: string; message: string | null; updated_at: string | null }): Record<string, unknown> {
  const view: Record<string, unknown> = {
    action: a.action, instance_uuid: a.instance_uuid, request_id: a.request_id, user_id: a.user_id, project_id: a.project_id,
    start_time: novaTime(a.start_time), message: a.message,
  };
  if (request.apiVersion.atLeast('2.58')) view.updated_at = novaTime(a.updated_at ?? a.start_time);
  return view;
}
