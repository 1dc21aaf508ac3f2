import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { notFound, validation } from '../errors.js';
import type { IdentityService } from '../service.js';
import { parseJson } from '../store/db.js';
import { deleteConsumer, getConsumerRow, insertConsumer, listConsumerRows, updateConsumer, type ConsumerRow } from '../store/consumers.js';
import { authorize, created, listBody, selfLink, type Guard } from './kit.js';

const Description = Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()]));
const ConsumerCreate = Type.Object({ consumer: Type.Object({ description: Description }, { additionalProperties: true }) });
const ConsumerUpdate = Type.Object({ consumer: Type.Object({ description: Description }, { additionalProperties: true }) });
type ConsumerBody = Static<typeof ConsumerCreate>['consumer'];

/** Everything but the known columns is kept as extra attributes, as Keystone does. */
const extraOf = (body: Record<string, unknown>): Record<string, unknown> => {
  const { id: _id, description: _d, secret: _s, links: _l, ...extra } = body;
  return extra;
};

/** The secret is shown only when the consumer is created. */
function view(svc: IdentityService, request: FastifyRequest, row: ConsumerRow, withSecret = false): Record<string, unknown> {
  return {
    ...parseJson(row.extra),
    id: row.id,
    description: row.description,
    ...(withSecret ? { secret: row.secret } : {}),
    links: selfLink(svc, request, `OS-OAUTH1/consumers/${row.id}`),
  };
}

/**
 * /v3/OS-OAUTH1/consumers: the OAuth1 consumer registry. The delegation flow itself
 * (request tokens, authorization, access tokens) is in oauth1-flow.ts.
 */
export function registerOauth1ConsumerRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  const base = '/v3/OS-OAUTH1/consumers';

  const load = async (id: string): Promise<ConsumerRow> => {
    const row = await getConsumerRow(svc.db, id);
    if (!row) throw notFound('consumer', id);
    return row;
  };

  app.post(base, { ...authed, schema: { body: ConsumerCreate } }, async (request, reply) => {
    authorize(svc, request, 'identity:create_consumer');
    const body = (request.body as { consumer: ConsumerBody }).consumer as Record<string, unknown> & ConsumerBody;
    const row: ConsumerRow = { id: svc.ids.hex(), description: body.description ?? null, secret: svc.ids.hex(), extra: JSON.stringify(extraOf(body)) };
    await insertConsumer(svc.db, row);
    return created(reply, { consumer: view(svc, request, row, true) });
  });

  app.get(base, authed, async (request) => {
    authorize(svc, request, 'identity:list_consumers');
    const rows = await listConsumerRows(svc.db);
    return listBody(svc, request, 'consumers', rows.map((r) => view(svc, request, r)));
  });

  app.get<{ Params: { id: string } }>(`${base}/:id`, authed, async (request) => {
    authorize(svc, request, 'identity:get_consumer');
    return { consumer: view(svc, request, await load(request.params.id)) };
  });

  app.patch<{ Params: { id: string } }>(`${base}/:id`, { ...authed, schema: { body: ConsumerUpdate } }, async (request) => {
    authorize(svc, request, 'identity:update_consumer');
    const body = (request.body as { consumer: ConsumerBody }).consumer as Record<string, unknown> & ConsumerBody;
    if ('secret' in body) throw validation("Invalid input for field 'consumer': the consumer secret cannot be changed.");
    if ('id' in body && body['id'] !== request.params.id) throw validation("Cannot change ID");
    const row = await load(request.params.id);
    const next: ConsumerRow = {
      ...row,
      description: body.description !== undefined ? body.description : row.description,
      extra: JSON.stringify({ ...parseJson(row.extra), ...extraOf(body) }),
    };
    await updateConsumer(svc.db, row.id, { description: next.description, extra: next.extra });
    return { consumer: view(svc, request, next) };
  });

  app.delete<{ Params: { id: string } }>(`${base}/:id`, authed, async (request, reply) => {
    authorize(svc, request, 'identity:delete_consumer');
    if (!(await deleteConsumer(svc.db, request.params.id))) throw notFound('consumer', request.params.id);
    return reply.status(204).send();
  });
}
