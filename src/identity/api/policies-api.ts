import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { IdentityService } from '../service.js';
import { extraAttributes } from '../attributes.js';
import { notFound, validation } from '../errors.js';
import { parseJson } from '../store/db.js';
import { deletePolicy, getPolicyRow, insertPolicy, listPolicyRows, updatePolicy, type PolicyRow } from '../store/policies.js';
import { authorize, created, listBody, queryParam, selfLink, type Guard } from './kit.js';

/**
 * Keystone's (deprecated but still served) Policies API: opaque blobs stored for other
 * services. Nothing in Stratus enforces them; policy.yaml overrides do that.
 */
const policyProperties = {
  blob: Type.String(),
  type: Type.String({ maxLength: 255 }),
};
const PolicyCreate = Type.Object({ policy: Type.Object(policyProperties, { additionalProperties: true }) });
const PolicyUpdate = Type.Object({ policy: Type.Partial(Type.Object(policyProperties), { additionalProperties: true, minProperties: 1 }) });
type PolicyBody = Partial<Static<typeof PolicyCreate>['policy']> & Record<string, unknown>;

const KNOWN = ['id', 'blob', 'type', 'links'];
function view(svc: IdentityService, request: FastifyRequest, row: PolicyRow): Record<string, unknown> {
  return { ...parseJson(row.extra), id: row.id, type: row.type, blob: row.blob, links: selfLink(svc, request, `policies/${row.id}`) };
}

export function registerPolicyRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/policies', authed, async (request) => {
    authorize(svc, request, 'identity:list_policies');
    const rows = await listPolicyRows(svc.db, queryParam(request, 'type'));
    return listBody(svc, request, 'policies', rows.map((r) => view(svc, request, r)));
  });

  app.post('/v3/policies', { ...authed, schema: { body: PolicyCreate } }, async (request, reply) => {
    authorize(svc, request, 'identity:create_policy');
    const body = (request.body as { policy: PolicyBody }).policy;
    const row: PolicyRow = { id: svc.ids.hex(), type: body.type as string, blob: body.blob as string, extra: JSON.stringify(extraAttributes(body, KNOWN)) };
    await insertPolicy(svc.db, row);
    return created(reply, { policy: view(svc, request, row) });
  });

  app.get<{ Params: { policy_id: string } }>('/v3/policies/:policy_id', authed, async (request) => {
    authorize(svc, request, 'identity:get_policy');
    const row = await getPolicyRow(svc.db, request.params.policy_id);
    if (!row) throw notFound('policy', request.params.policy_id);
    return { policy: view(svc, request, row) };
  });

  app.patch<{ Params: { policy_id: string } }>('/v3/policies/:policy_id', { ...authed, schema: { body: PolicyUpdate } }, async (request) => {
    authorize(svc, request, 'identity:update_policy');
    const id = request.params.policy_id;
    const row = await getPolicyRow(svc.db, id);
    if (!row) throw notFound('policy', id);
    const body = (request.body as { policy: PolicyBody }).policy;
    if (body['id'] !== undefined && body['id'] !== id) throw validation('Cannot change ID');
    const next: PolicyRow = {
      ...row,
      type: body.type ?? row.type,
      blob: body.blob ?? row.blob,
      extra: JSON.stringify({ ...parseJson(row.extra), ...extraAttributes(body, KNOWN) }),
    };
    await updatePolicy(svc.db, next);
    return { policy: view(svc, request, next) };
  });

  app.delete<{ Params: { policy_id: string } }>('/v3/policies/:policy_id', authed, async (request, reply) => {
    authorize(svc, request, 'identity:delete_policy');
    const id = request.params.policy_id;
    if (!(await getPolicyRow(svc.db, id))) throw notFound('policy', id);
    await deletePolicy(svc.db, id);
    return reply.status(204).send();
  });
}
