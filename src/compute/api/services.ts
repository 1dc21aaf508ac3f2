import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { ServiceRow } from '../db/schema.js';
import { aggregateZones, zoneOfService } from '../domain/availability-zones.js';
import { deleteService, findService, isUp, listServices, updateService } from '../domain/services.js';
import { badRequest, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { checkBody } from './validate.js';
import { novaTime } from '../domain/timestamps.js';

export { novaTime };

export function serviceView(svc: ComputeService, request: FastifyRequest, row: ServiceRow, zones: Map<string, string>): Record<string, unknown> {
  const v = request.apiVersion;
  const view: Record<string, unknown> = {
    id: v.atLeast('2.53') ? row.uuid : row.id, binary: row.binary, host: row.host, zone: zoneOfService(svc, row, zones),
    status: row.disabled ? 'disabled' : 'enabled', state: isUp(svc, row) ? 'up' : 'down',
    updated_at: novaTime(row.updated_at), disabled_reason: row.disabled_reason,
  };
  if (v.atLeast('2.11')) view.forced_down = row.forced_down === 1;
  return view;
}

const HostBinary = { host: Type.String({ minLength: 1, maxLength: 255 }), binary: Type.String({ minLength: 1, maxLength: 255 }) };
const OldAction = Type.Object({ ...HostBinary, disabled_reason: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }, { additionalProperties: false });
const ForceDown = Type.Object({ ...HostBinary, forced_down: Type.Boolean() }, { additionalProperties: false });
const Update253 = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
  disabled_reason: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  forced_down: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export function registerServiceRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.get('/v2.1/os-services', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-services:list');
    const q = request.query as { host?: string; binary?: string };
    const rows = await listServices(svc, { ...(q.host ? { host: q.host } : {}), ...(q.binary ? { binary: q.binary } : {}) });
    const zones = await aggregateZones(svc);
    return { services: rows.map((r) => serviceView(svc, request, r, zones)) };
  });

  // Before 2.53: PUT /os-services/{enable|disable|disable-log-reason|force-down} with host and binary.
  app.put<{ Params: { action: string } }>('/v2.1/os-services/:action', authed, async (request) => {
    const ctx = callerOf(request);
    const v = request.apiVersion;
    if (v.atLeast('2.53')) return updateByUuid(request.params.action, request);
    svc.authorize(ctx, 'os_compute_api:os-services:update');
    const action = request.params.action;
    if (action === 'force-down' && v.atLeast('2.11')) {
      const body = checkBody(ForceDown, request.body);
      const row = await requireService(body.host, body.binary);
      const updated = await updateService(svc, row, { forcedDown: body.forced_down });
      return { service: { host: updated.host, binary: updated.binary, forced_down: updated.forced_down === 1 } };
    }
    if (!['enable', 'disable', 'disable-log-reason'].includes(action)) throw notFound('Unknown action');
    const body = checkBody(OldAction, request.body);
    if (action === 'disable-log-reason' && !body.disabled_reason) throw badRequest('Missing disabled reason field');
    const row = await requireService(body.host, body.binary);
    const updated = await updateService(svc, row, { disabled: action !== 'enable', disabledReason: body.disabled_reason ?? null });
    const service: Record<string, unknown> = { host: updated.host, binary: updated.binary, status: updated.disabled ? 'disabled' : 'enabled' };
    if (action === 'disable-log-reason') service.disabled_reason = updated.disabled_reason;
    return { service };
  });

  app.delete<{ Params: { id: string } }>('/v2.1/os-services/:id', authed, async (request, reply) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-services:delete');
    const id = request.params.id;
    const row = request.apiVersion.atLeast('2.53')
      ? await svc.db.selectFrom('services').selectAll().where('uuid', '=', id).executeTakeFirst()
      : /^\d+$/.test(id) ? await svc.db.selectFrom('services').selectAll().where('id', '=', Number(id)).executeTakeFirst() : undefined;
    if (!row) throw notFound(`Service ${id} could not be found.`);
    await deleteService(svc, row);
    return reply.status(204).send();
  });

  async function requireService(host: string, binary: string): Promise<ServiceRow> {
    const row = await findService(svc, host, binary);
    if (!row) throw notFound(`Host '${host}' is not mapped to any cell`);
    return row;
  }

  async function updateByUuid(id: string, request: FastifyRequest): Promise<unknown> {
    svc.authorize(callerOf(request), 'os_compute_api:os-services:update');
    const body = checkBody(Update253, request.body);
    const row = await svc.db.selectFrom('services').selectAll().where('uuid', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Service ${id} could not be found.`);
    if (Object.keys(body).length === 0) throw badRequest("At least one of 'status' or 'forced_down' must be specified in the request body.");
    if (body.disabled_reason !== undefined && body.status !== 'disabled') {
      throw badRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
    }
    const updated = await updateService(svc, row, {
      ...(body.status !== undefined ? { disabled: body.status === 'disabled', disabledReason: body.disabled_reason ?? null } : {}),
      ...(body.forced_down !== undefined ? { forcedDown: body.forced_down } : {}),
    });
    return { service: serviceView(svc, request, updated, await aggregateZones(svc)) };
  }
}
