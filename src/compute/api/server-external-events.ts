import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { refreshFloatingIps } from '../domain/floating-ip-proxy.js';
import { badRequest, notFound } from '../errors.js';
import type { Guard } from './index.js';
import { checkBody } from './validate.js';

/** Event names and the microversion each arrived in. */
const EVENT_NAMES: ReadonlyArray<[string, string]> = [
  ['network-changed', '2.0'], ['network-vif-plugged', '2.0'], ['network-vif-unplugged', '2.0'], ['network-vif-deleted', '2.0'],
  ['volume-extended', '2.51'], ['power-update', '2.76'], ['accelerator-request-bound', '2.82'], ['volume-reimaged', '2.93'],
];

const Events = Type.Object({
  events: Type.Array(Type.Object({
    name: Type.String(), server_uuid: Type.String({ minLength: 1 }),
    status: Type.Optional(Type.Union([Type.Literal('failed'), Type.Literal('completed'), Type.Literal('in-progress')])),
    tag: Type.Optional(Type.String({ maxLength: 255 })),
  }, { additionalProperties: false }), { minItems: 1 }),
}, { additionalProperties: false });

/**
 * os-server-external-events (admins; the network service calls it): each event goes to
 * the agent of its instance's host. Per event: 200 accepted, 404 no such instance, 422
 * not on a host yet; 207 when some were not accepted, 404 when none were.
 */
export function registerExternalEventRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.post('/v2.1/os-server-external-events', authed, async (request, reply) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:os-server-external-events:create');
    const { events } = checkBody(Events, request.body);
    const allowed = new Set(EVENT_NAMES.filter(([, since]) => request.apiVersion.atLeast(since)).map(([name]) => name));
    for (const e of events) {
      if (!allowed.has(e.name)) throw badRequest(`Invalid input for field/attribute name. Value: ${e.name}. '${e.name}' is not one of [${[...allowed].map((a) => `'${a}'`).join(', ')}]`);
    }
    const uuids = [...new Set(events.map((e) => e.server_uuid))];
    const rows = await svc.db.selectFrom('instances').select(['uuid', 'host']).where('uuid', 'in', uuids).where('deleted_at', 'is', null).execute();
    const hostOf = new Map(rows.map((r) => [r.uuid, r.host]));
    const byHost = new Map<string, Array<Record<string, unknown>>>();
    const results = events.map((e) => {
      const status = e.status ?? 'completed';
      const base = { name: e.name, server_uuid: e.server_uuid, status, ...(e.tag !== undefined ? { tag: e.tag } : {}) };
      if (!hostOf.has(e.server_uuid)) return { ...base, status: 'failed', code: 404 };
      const host = hostOf.get(e.server_uuid);
      if (!host) return { ...base, status: 'failed', code: 422 };
      byHost.set(host, [...(byHost.get(host) ?? []), { uuid: e.server_uuid, name: e.name, tag: e.tag ?? null, status }]);
      return { ...base, code: 200 };
    });
    if (byHost.size === 0) throw notFound('No instances found for any event');
    // network-changed: the instance's cached addresses are read again (Nova refreshes its info cache on it).
    const changed = events.filter((e, i) => e.name === 'network-changed' && results[i]!.code === 200);
    for (const e of changed) {
      await refreshFloatingIps(svc, svc.clients.network(ctx.token), e.server_uuid, e.tag ?? null)
        .catch((err: unknown) => request.log.warn({ err, instance: e.server_uuid }, 'network info cache not refreshed'));
    }
    for (const [host, hostEvents] of byHost) await svc.bus.cast({ topic: COMPUTE_TOPIC, server: host }, 'external_instance_event', { events: hostEvents as never });
    return reply.status(results.every((r) => r.code === 200) ? 200 : 207).send({ events: results });
  });
}
