import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { UnauthorizedError } from '../../core/http/index.js';
import type { IdentityService } from '../service.js';
import { notFound } from '../errors.js';
import { parseJson } from '../store/db.js';
import { deleteCredentialRow, getCredentialRow, insertCredential, listCredentialRows, type CredentialRow } from '../store/credentials.js';
import { getProjectRow } from '../store/projects.js';
import { getUserRow } from '../store/users.js';
import { assertNotRestrictedAppCred, ec2CredentialId } from './credentials.js';
import { authorize, baseUrl, created, listBody, type Guard } from './kit.js';

const Ec2Create = Type.Object({ tenant_id: Type.String({ minLength: 1 }) }, { additionalProperties: true });

/** Keystone's OS-EC2 view of a stored `ec2` credential. */
function view(svc: IdentityService, request: FastifyRequest, row: CredentialRow): Record<string, unknown> {
  const blob = parseJson(row.blob);
  const access = typeof blob['access'] === 'string' ? blob['access'] : '';
  return {
    user_id: row.user_id,
    tenant_id: row.project_id,
    access,
    secret: blob['secret'] ?? null,
    trust_id: blob['trust_id'] ?? null,
    links: { self: `${baseUrl(svc, request)}/v3/users/${row.user_id}/credentials/OS-EC2/${access}` },
  };
}

/** The EC2 credential with this access key, for policy and 404s as Keystone orders them. */
async function loadByAccess(svc: IdentityService, request: FastifyRequest<{ Params: { uid: string; access: string } }>, action: string): Promise<CredentialRow> {
  const id = ec2CredentialId(request.params.access);
  const row = await getCredentialRow(svc.db, id);
  // Keystone loads the credential to build the policy target, so a missing one is a
  // 404 even for a caller the policy would refuse.
  if (!row) throw notFound('credential', id);
  authorize(svc, request, action, { user_id: request.params.uid, target: { credential: { id: row.id, user_id: row.user_id, project_id: row.project_id } } });
  if (!(await getUserRow(svc.db, request.params.uid))) throw notFound('user', request.params.uid);
  if (row.type !== 'ec2' || row.user_id !== request.params.uid) throw new UnauthorizedError('EC2 access key not found.');
  return row;
}

/** /v3/users/{user_id}/credentials/OS-EC2: EC2-style access/secret pairs kept as `ec2` credentials. */
export function registerEc2CredentialRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get<{ Params: { uid: string } }>('/v3/users/:uid/credentials/OS-EC2', authed, async (request) => {
    authorize(svc, request, 'identity:ec2_list_credentials', { user_id: request.params.uid });
    if (!(await getUserRow(svc.db, request.params.uid))) throw notFound('user', request.params.uid);
    const rows = await listCredentialRows(svc.db, { userId: request.params.uid, type: 'ec2' });
    return listBody(svc, request, 'credentials', rows.map((r) => view(svc, request, r)));
  });

  app.post<{ Params: { uid: string } }>('/v3/users/:uid/credentials/OS-EC2', { ...authed, schema: { body: Ec2Create } }, async (request, reply) => {
    const { uid } = request.params;
    const ctx = authorize(svc, request, 'identity:ec2_create_credential', { user_id: uid, target: { credential: { user_id: uid } } });
    await assertNotRestrictedAppCred(svc, ctx);
    if (!(await getUserRow(svc.db, uid))) throw notFound('user', uid);
    const tenantId = (request.body as Static<typeof Ec2Create>).tenant_id;
    const project = await getProjectRow(svc.db, tenantId);
    if (!project || project.is_domain === 1) throw notFound('project', tenantId);
    const access = svc.ids.hex();
    const blob = { access, secret: svc.ids.hex(), trust_id: null };
    const row: CredentialRow = { id: ec2CredentialId(access), user_id: uid, project_id: tenantId, type: 'ec2', blob: JSON.stringify(blob), extra: '{}' };
    await insertCredential(svc.db, row);
    return created(reply, { credential: view(svc, request, row) });
  });

  app.get<{ Params: { uid: string; access: string } }>('/v3/users/:uid/credentials/OS-EC2/:access', authed, async (request) => {
    const row = await loadByAccess(svc, request, 'identity:ec2_get_credential');
    return { credential: view(svc, request, row) };
  });

  app.delete<{ Params: { uid: string; access: string } }>('/v3/users/:uid/credentials/OS-EC2/:access', authed, async (request, reply) => {
    const row = await loadByAccess(svc, request, 'identity:ec2_delete_credential');
    await deleteCredentialRow(svc.db, row.id);
    return reply.status(204).send();
  });
}
