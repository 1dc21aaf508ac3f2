import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { MigrationRow } from '../db/schema.js';
import { getInstance } from '../domain/instances.js';
import { abortLiveMigration, forceCompleteLiveMigration } from '../domain/server-move.js';
import { LIVE_IN_PROGRESS, MigrationType, migrationOfInstanceById } from '../domain/migrations.js';
import { checkBody } from './validate.js';
import { novaTime } from '../domain/timestamps.js';
import { badRequest, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { endpointOf } from './links.js';
import { pageParams } from './paging.js';

type Query = Record<string, string | undefined>;

/** One migration as GET /os-migrations shows it at the request's microversion. */
function migrationView(request: FastifyRequest, m: MigrationRow): Record<string, unknown> {
  const v = request.apiVersion;
  const view: Record<string, unknown> = {
    id: m.id, source_node: m.source_node, dest_node: m.dest_node, source_compute: m.source_compute, dest_compute: m.dest_compute, dest_host: m.dest_host,
    status: m.status, instance_uuid: m.instance_uuid, old_instance_type_id: m.old_instance_type_id, new_instance_type_id: m.new_instance_type_id,
    created_at: novaTime(m.created_at), updated_at: novaTime(m.updated_at),
  };
  if (v.atLeast('2.23')) {
    view.migration_type = m.migration_type;
    // Only a live migration still running can be shown and aborted under its server.
    if (m.migration_type === MigrationType.LIVE && LIVE_IN_PROGRESS.includes(m.status)) {
      const base = endpointOf(request);
      view.links = [
        { rel: 'self', href: `${base}/v2.1/servers/${m.instance_uuid}/migrations/${m.id}` },
        { rel: 'bookmark', href: `${base}/servers/${m.instance_uuid}/migrations/${m.id}` },
      ];
    }
  }
  if (v.atLeast('2.59')) view.uuid = m.uuid;
  if (v.atLeast('2.80')) {
    view.user_id = m.user_id;
    view.project_id = m.project_id;
  }
  return view;
}

function timeParam(q: Query, name: string): string | undefined {
  const text = q[name];
  if (text === undefined) return undefined;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw badRequest(`Invalid input for query parameters ${name}. Value: ${text}. '${text}' is not a 'date-time'`);
  return new Date(t).toISOString();
}

/** A live migration of the server still in progress (os-server-migrations). */
async function liveMigrationOf(svc: ComputeService, serverId: string, id: string): Promise<MigrationRow> {
  const m = await migrationOfInstanceById(svc, serverId, id);
  if (!m || m.migration_type !== MigrationType.LIVE || !LIVE_IN_PROGRESS.includes(m.status)) {
    throw notFound(`In-progress live migration ${id} is not found for server ${serverId}.`);
  }
  return m;
}

/** GET /servers/{id}/migrations[/{mid}]: a server's live migrations in progress, with their progress figures. */
function serverMigrationView(request: FastifyRequest, m: MigrationRow): Record<string, unknown> {
  const v = request.apiVersion;
  const view: Record<string, unknown> = {
    id: m.id, server_uuid: m.instance_uuid, source_node: m.source_node, dest_node: m.dest_node, source_compute: m.source_compute, dest_compute: m.dest_compute,
    dest_host: m.dest_host, status: m.status, created_at: novaTime(m.created_at), updated_at: novaTime(m.updated_at),
    memory_total_bytes: m.memory_total === null ? null : Number(m.memory_total), memory_processed_bytes: m.memory_processed === null ? null : Number(m.memory_processed),
    memory_remaining_bytes: m.memory_remaining === null ? null : Number(m.memory_remaining), disk_total_bytes: m.disk_total === null ? null : Number(m.disk_total),
    disk_processed_bytes: m.disk_processed === null ? null : Number(m.disk_processed), disk_remaining_bytes: m.disk_remaining === null ? null : Number(m.disk_remaining),
  };
  if (v.atLeast('2.59')) view.uuid = m.uuid;
  if (v.atLeast('2.80')) {
    view.user_id = m.user_id;
    view.project_id = m.project_id;
  }
  return view;
}

export function registerMigrationRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.get<{ Querystring: Query }>('/v2.1/os-migrations', authed, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-migrations:index');
    const v = request.apiVersion;
    const q = request.query;
    let query = svc.db.selectFrom('migrations').selectAll();
    if (q.host) query = query.where((eb) => eb.or([eb('source_compute', '=', q.host!), eb('dest_compute', '=', q.host!)]));
    if (q.status) query = query.where('status', '=', q.status);
    if (q.instance_uuid) query = query.where('instance_uuid', '=', q.instance_uuid);
    if (q.source_compute) query = query.where('source_compute', '=', q.source_compute);
    if (q.migration_type) query = query.where('migration_type', '=', q.migration_type);
    if (v.atLeast('2.80')) {
      if (q.user_id) query = query.where('user_id', '=', q.user_id);
      if (q.project_id) query = query.where('project_id', '=', q.project_id);
    }
    if (!v.atLeast('2.59')) return { migrations: (await query.orderBy('id').execute()).map((m) => migrationView(request, m)) };
    const since = timeParam(q, 'changes-since');
    const before = v.atLeast('2.66') ? timeParam(q, 'changes-before') : undefined;
    if (since && before && since > before) throw badRequest('The value of changes-since must be less than or equal to changes-before.');
    if (since) query = query.where('updated_at', '>=', since);
    if (before) query = query.where('updated_at', '<=', before);
    const { limit, marker } = pageParams(q);
    if (marker !== undefined) {
      const at = await svc.db.selectFrom('migrations').select(['id', 'created_at']).where('uuid', '=', marker).executeTakeFirst();
      if (!at) throw badRequest(`Marker ${marker} could not be found.`);
      query = query.where((eb) => eb.or([eb('created_at', '<', at.created_at), eb.and([eb('created_at', '=', at.created_at), eb('id', '<', at.id)])]));
    }
    query = query.orderBy('created_at', 'desc').orderBy('id', 'desc');
    const rows = await (limit !== undefined ? query.limit(limit) : query).execute();
    const out: Record<string, unknown> = { migrations: rows.map((m) => migrationView(request, m)) };
    if (limit !== undefined && rows.length === limit && rows.length > 0) {
      const params = new URLSearchParams(Object.entries(q).filter(([k, val]) => k !== 'marker' && val !== undefined) as Array<[string, string]>);
      params.set('marker', rows.at(-1)!.uuid);
      out.migrations_links = [{ rel: 'next', href: `${endpointOf(request)}/v2.1/os-migrations?${params.toString()}` }];
    }
    return out;
  });

  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/migrations', { ...authed, config: { versions: { min: '2.23' } } }, async (request) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:servers:migrations:index', { project_id: row.project_id });
    const rows = await svc.db.selectFrom('migrations').selectAll().where('instance_uuid', '=', row.uuid).where('migration_type', '=', 'live-migration')
      .where('status', 'in', [...LIVE_IN_PROGRESS]).orderBy('id').execute();
    return { migrations: rows.map((m) => serverMigrationView(request, m)) };
  });

  app.get<{ Params: { id: string; mid: string } }>('/v2.1/servers/:id/migrations/:mid', { ...authed, config: { versions: { min: '2.23' } } }, async (request) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:servers:migrations:show', { project_id: row.project_id });
    return { migration: serverMigrationView(request, await liveMigrationOf(svc, row.uuid, request.params.mid)) };
  });

  app.post<{ Params: { id: string; mid: string } }>('/v2.1/servers/:id/migrations/:mid/action', { ...authed, config: { versions: { min: '2.22' } } }, async (request, reply) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:servers:migrations:force_complete', { project_id: row.project_id });
    checkBody(Type.Object({ force_complete: Type.Null() }, { additionalProperties: false }), request.body);
    await forceCompleteLiveMigration(svc, { ctx, requestId: request.id }, row, request.params.mid);
    return reply.status(202).send();
  });

  app.delete<{ Params: { id: string; mid: string } }>('/v2.1/servers/:id/migrations/:mid', { ...authed, config: { versions: { min: '2.24' } } }, async (request, reply) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:servers:migrations:delete', { project_id: row.project_id });
    await abortLiveMigration(svc, { ctx, requestId: request.id }, row, request.params.mid, request.apiVersion.atLeast('2.65'));
    return reply.status(202).send();
  });
}
