import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import { getInstance, latestFaults, metadataOf, tagsOf, updateInstance } from '../domain/instances.js';
import { systemMetadataOf, withDiskConfig, type RequestedNetworks } from '../domain/instance-model.js';
import { createServers } from '../domain/server-create.js';
import { imageFromBlockDevices } from '../domain/block-devices.js';
import { deleteServer } from '../domain/server-delete.js';
import { listServers } from '../domain/server-list.js';
import { serverFilters } from './server-filters.js';
import { badRequest, conflict } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { nextLink } from './links.js';
import { serverSummary, serverView, type ServerExtras } from './server-views.js';
import { checkBody } from './validate.js';
import { checkIpv4, checkIpv6 } from './addresses.js';
import { checkMetadataKeys } from './server-subresources.js';

type IdParams = { Params: { id: string } };

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$' });
const NetworkEntry = Type.Object({
  uuid: Type.Optional(Uuid), port: Type.Optional(Type.Union([Uuid, Type.Null()])), fixed_ip: Type.Optional(Type.String({ minLength: 1 })), tag: Type.Optional(Type.String({ maxLength: 60 })),
}, { additionalProperties: false });
const Count = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]*$', minLength: 1 })]);
const Metadata = Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 255 }));
const serverFields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  imageRef: Type.Optional(Type.String({ maxLength: 255 })),
  flavorRef: Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Integer()]),
  networks: Type.Optional(Type.Union([Type.Array(NetworkEntry), Type.Literal('auto'), Type.Literal('none')])),
  key_name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  security_groups: Type.Optional(Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }))),
  user_data: Type.Optional(Type.Union([Type.String({ maxLength: 65535 }), Type.Null()])),
  metadata: Type.Optional(Metadata),
  availability_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  min_count: Type.Optional(Count), max_count: Type.Optional(Count),
  return_reservation_id: Type.Optional(Type.Unsafe<unknown>({})),
  config_drive: Type.Optional(Type.Unsafe<unknown>({})),
  accessIPv4: Type.Optional(Type.String()), accessIPv6: Type.Optional(Type.String()),
  adminPass: Type.Optional(Type.String()),
  'OS-DCF:diskConfig': Type.Optional(Type.Union([Type.Literal('AUTO'), Type.Literal('MANUAL')])),
  personality: Type.Optional(Type.Array(Type.Object({ path: Type.String({ maxLength: 255 }), contents: Type.String() }))),
  block_device_mapping_v2: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 60, pattern: '^[^,/]*$' }), { maxItems: 50 })),
  hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
};
const Create = Type.Object({
  server: Type.Object(serverFields, { additionalProperties: false }),
  'os:scheduler_hints': Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  'OS-SCH-HNT:scheduler_hints': Type.Optional(Type.Record(Type.String(), Type.Unknown())),
}, { additionalProperties: false });
const Update = Type.Object({
  server: Type.Object({
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), description: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    accessIPv4: Type.Optional(Type.String()), accessIPv6: Type.Optional(Type.String()),
    'OS-DCF:diskConfig': Type.Optional(Type.Union([Type.Literal('AUTO'), Type.Literal('MANUAL')])),
    hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

/** user_data must be base64 (line breaks allowed), as Nova's schema format says. */
function base64Ok(text: string): boolean {
  const compact = text.replace(/\s+/g, '');
  return compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact);
}

function asStrings(v: unknown): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

export async function extrasFor(svc: ComputeService, rows: InstanceRow[]): Promise<ServerExtras> {
  const uuids = rows.map((r) => r.uuid);
  const [metadata, tags, faults, members] = await Promise.all([metadataOf(svc, uuids), tagsOf(svc, uuids), latestFaults(svc, uuids),
    uuids.length ? svc.db.selectFrom('server_group_members').selectAll().where('instance_uuid', 'in', uuids).execute() : Promise.resolve([])]);
  return { metadata, tags, faults, groups: new Map(members.map((m) => [m.instance_uuid, m.group_uuid])) };
}

export function registerServerRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.post('/v2.1/servers', authed, async (request, reply) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:servers:create');
    const v = request.apiVersion;
    const body = checkBody(Create, request.body);
    const s = body.server;
    if (s.personality !== undefined && v.atLeast('2.57')) throw badRequest("Additional properties are not allowed ('personality' was unexpected)");
    if (s.description !== undefined && !v.atLeast('2.19')) throw badRequest("Additional properties are not allowed ('description' was unexpected)");
    if (s.tags !== undefined && !v.atLeast('2.52')) throw badRequest("Additional properties are not allowed ('tags' was unexpected)");
    if (s.hostname !== undefined && !v.atLeast('2.90')) throw badRequest("Additional properties are not allowed ('hostname' was unexpected)");
    if (s.networks === undefined && v.atLeast('2.37')) throw badRequest("Invalid input for field/attribute server. Value: {}. 'networks' is a required property");
    if ((s.networks === 'auto' || s.networks === 'none') && !v.atLeast('2.37')) throw badRequest('Invalid input for field/attribute networks.');
    if (s.user_data && !base64Ok(s.user_data)) throw badRequest('User data needs to be valid base 64.');
    const imageRef = imageFromBlockDevices(s.block_device_mapping_v2 ?? [], s.imageRef || null);
    if (!imageRef) throw badRequest('Missing imageRef attribute');
    const minCount = Number(s.min_count ?? 1);
    const maxCount = Number(s.max_count ?? minCount);
    if (minCount < 1 || maxCount < 1) throw badRequest("Invalid input for field/attribute min_count. Value: 0. 0 is less than the minimum of 1");
    if (minCount > maxCount) throw badRequest('min_count must be <= max_count');
    const hints = body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {};
    const networks: RequestedNetworks = s.networks === undefined ? 'auto'
      : typeof s.networks === 'string' ? s.networks
        : s.networks.map((n) => ({ ...(n.uuid ? { uuid: n.uuid } : {}), ...(n.port ? { port: n.port } : {}), ...(n.fixed_ip ? { fixed_ip: n.fixed_ip } : {}) }));
    checkMetadataKeys(s.metadata ?? {});
    const created = await createServers(svc, ctx, {
      name: s.name, imageRef, flavorRef: String(s.flavorRef), networks, keyName: s.key_name ?? null,
      securityGroups: (s.security_groups ?? []).map((g) => g.name), userData: s.user_data ?? null, metadata: s.metadata ?? {},
      availabilityZone: s.availability_zone ?? null, minCount, maxCount, configDrive: ['true', 'True', '1', true].includes(s.config_drive as string | boolean),
      accessIPv4: s.accessIPv4 ? checkIpv4(s.accessIPv4) : null, accessIPv6: s.accessIPv6 ? checkIpv6(s.accessIPv6) : null, description: s.description ?? null, tags: s.tags ?? [],
      hostname: s.hostname ?? null, adminPass: s.adminPass ?? null, diskConfig: s['OS-DCF:diskConfig'] ?? 'MANUAL', personality: s.personality ?? [],
      hints: {
        ...(hints.same_host ? { same_host: asStrings(hints.same_host) } : {}), ...(hints.different_host ? { different_host: asStrings(hints.different_host) } : {}),
        ...(typeof hints.group === 'string' ? { group: hints.group } : {}),
        // JsonFilter's query: a JSON text, or the expression itself, as Nova's hint schema allows.
        ...(hints.query !== undefined && hints.query !== '' ? { query: typeof hints.query === 'string' ? hints.query : JSON.stringify(hints.query) } : {}),
      },
    }, request.id);
    if (s.return_reservation_id === true || s.return_reservation_id === 'True' || s.return_reservation_id === 'true') {
      return reply.status(202).send({ reservation_id: created.reservationId });
    }
    const first = created.uuids[0]!;
    return reply.status(202).send({
      server: {
        id: first, links: serverSummary(request, { uuid: first, display_name: s.name } as InstanceRow).links, 'OS-DCF:diskConfig': s['OS-DCF:diskConfig'] ?? 'MANUAL',
        security_groups: (s.security_groups ?? [{ name: 'default' }]).map((g) => ({ name: g.name })), adminPass: created.adminPass,
      },
    });
  });

  const list = async (request: FastifyRequest, detail: boolean): Promise<Record<string, unknown>> => {
    const ctx = callerOf(request);
    svc.authorize(ctx, detail ? 'os_compute_api:servers:detail' : 'os_compute_api:servers:index');
    const filters = serverFilters(svc, ctx, request.query as Record<string, string | string[] | undefined>, request.apiVersion);
    const rows = await listServers(svc, filters);
    const extras = detail ? await extrasFor(svc, rows) : undefined;
    const admin = svc.isAdmin(ctx);
    const body: Record<string, unknown> = { servers: rows.map((r) => (detail ? serverView(svc, request, r, extras!, admin) : serverSummary(request, r))) };
    if (filters.limit !== undefined && rows.length === filters.limit && rows.length > 0) body.servers_links = nextLink(request, detail ? 'servers/detail' : 'servers', rows.at(-1)!.uuid);
    return body;
  };
  app.get('/v2.1/servers', authed, (request) => list(request, false));
  app.get('/v2.1/servers/detail', authed, (request) => list(request, true));

  app.get<IdParams>('/v2.1/servers/:id', authed, async (request) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:servers:show', { project_id: row.project_id });
    return { server: serverView(svc, request, row, await extrasFor(svc, [row]), svc.isAdmin(ctx)) };
  });

  app.put<IdParams>('/v2.1/servers/:id', authed, async (request) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:servers:update', { project_id: row.project_id });
    const { server: s } = checkBody(Update, request.body);
    if (s.description !== undefined && !request.apiVersion.atLeast('2.19')) throw badRequest("Additional properties are not allowed ('description' was unexpected)");
    await updateInstance(svc, row.uuid, {
      ...(s.name !== undefined ? { display_name: s.name } : {}), ...(s.description !== undefined ? { display_description: s.description } : {}),
      ...(s.accessIPv4 !== undefined ? { access_ip_v4: s.accessIPv4 === '' ? null : checkIpv4(s.accessIPv4) } : {}),
      ...(s.accessIPv6 !== undefined ? { access_ip_v6: s.accessIPv6 === '' ? null : checkIpv6(s.accessIPv6) } : {}),
      ...(s.hostname !== undefined && request.apiVersion.atLeast('2.90') ? { hostname: s.hostname } : {}),
      ...(s['OS-DCF:diskConfig'] !== undefined ? { system_metadata: JSON.stringify(withDiskConfig(systemMetadataOf(row), s['OS-DCF:diskConfig'], {}, row.image_ref)) } : {}),
    });
    const updated = await getInstance(svc, ctx, row.uuid);
    return { server: serverView(svc, request, updated, await extrasFor(svc, [updated]), svc.isAdmin(ctx), !request.apiVersion.atLeast('2.75')) };
  });

  app.delete<IdParams>('/v2.1/servers/:id', authed, async (request, reply) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:servers:delete', { project_id: row.project_id });
    if (row.locked_by && !svc.isAdmin(ctx)) throw conflict(`Instance ${row.uuid} is locked`);
    await deleteServer(svc, row, { requestId: request.id, userId: ctx.userId, projectId: ctx.projectId ?? row.project_id, token: ctx.token });
    return reply.status(204).send();
  });
}
