import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { callerOf, policyCredentials, type RequestContext } from '../../core/auth/index.js';

import type { IdentityService } from '../service.js';
import { extraAttributes } from '../attributes.js';
import { duplicate, forbidden, notFound, validation } from '../errors.js';
import { isUniqueViolation, parseJson, toBool } from '../store/db.js';
import { getAppCredRow } from '../store/app-creds.js';
import {
  deleteCredentialRow, getCredentialRow, insertCredential, listCredentialRows, updateCredentialRow, type CredentialRow,
} from '../store/credentials.js';
import { authorize, created, listBody, queryParam, selfLink, type Guard } from './kit.js';

const credentialProps = {
  user_id: Type.String({ minLength: 1, maxLength: 64 }),
  type: Type.String({ minLength: 1, maxLength: 255 }),
  blob: Type.String({ minLength: 1 }),
  project_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
};
const CredentialCreate = Type.Object({ credential: Type.Object(credentialProps, { additionalProperties: true }) });
const CredentialUpdate = Type.Object({
  credential: Type.Partial(Type.Object(credentialProps, { additionalProperties: true }), { additionalProperties: true, minProperties: 1 }),
});

const KNOWN = ['id', 'user_id', 'type', 'blob', 'project_id', 'links'];
/** Keystone's id of an EC2 credential: the SHA-256 hex digest of its access key. */
export const ec2CredentialId = (access: string): string => createHash('sha256').update(access, 'utf8').digest('hex');

/** Parses an EC2 blob: a JSON object with at least `access` (Keystone's messages). */
export function parseEc2Blob(blob: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(blob);
  } catch {
    throw validation('Invalid blob in credential');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    throw validation("Expecting to find blob in credential. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.");
  }
  const obj = parsed as Record<string, unknown>;
  if (obj['access'] === undefined || obj['access'] === null) {
    throw validation('Expecting to find access in credential. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
  }
  return obj;
}

function view(svc: IdentityService, request: FastifyRequest, row: CredentialRow): Record<string, unknown> {
  return {
    ...parseJson(row.extra),
    id: row.id,
    user_id: row.user_id,
    project_id: row.project_id,
    type: row.type,
    blob: row.blob,
    links: selfLink(svc, request, `credentials/${row.id}`),
  };
}

const credentialTarget = (row: { user_id?: unknown; project_id?: unknown; id?: unknown; type?: unknown } | undefined): Record<string, unknown> =>
  row ? { target: { credential: { id: row.id, user_id: row.user_id, project_id: row.project_id, type: row.type } } } : {};

/** True when the caller may see this credential under identity:get_credential. */
function maySee(svc: IdentityService, ctx: RequestContext, row: CredentialRow): boolean {
  return svc.policy.check('identity:get_credential', credentialTarget(row), policyCredentials(ctx));
}

/** A restricted application credential may not mint further (EC2) credentials. */
export async function assertNotRestrictedAppCred(svc: IdentityService, ctx: RequestContext): Promise<void> {
  if (!ctx.applicationCredentialId) return;
  const cred = await getAppCredRow(svc.db, ctx.applicationCredentialId);
  if (!cred || !toBool(cred.unrestricted)) {
    throw forbidden("You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional credentials.");
  }
}

export function registerCredentialRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/credentials', authed, async (request) => {
    const caller = callerOf(request);
    const ctx = authorize(svc, request, 'identity:list_credentials', caller.system ? {} : { target: { credential: { user_id: caller.userId } } });
    const rows = await listCredentialRows(svc.db, { userId: queryParam(request, 'user_id'), type: queryParam(request, 'type') });
    return listBody(svc, request, 'credentials', rows.filter((r) => maySee(svc, ctx, r)).map((r) => view(svc, request, r)));
  });

  app.post('/v3/credentials', { ...authed, schema: { body: CredentialCreate } }, async (request, reply) => {
    const body = (request.body as Static<typeof CredentialCreate>).credential;
    const ctx = authorize(svc, request, 'identity:create_credential', { target: { credential: body } });
    let id = svc.ids.hex();
    if (body.type.toLowerCase() === 'ec2') {
      await assertNotRestrictedAppCred(svc, ctx);
      if (!body.project_id) throw validation("Invalid input for field 'project_id': 'project_id' is a required property for an ec2 credential.");
      id = ec2CredentialId(String(parseEc2Blob(body.blob)['access']));
    }
    const row: CredentialRow = {
      id, user_id: body.user_id, project_id: body.project_id ?? null, type: body.type, blob: body.blob, extra: JSON.stringify(extraAttributes(body, KNOWN)),
    };
    try {
      await insertCredential(svc.db, row);
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicate('credential', 'id', id);
      throw e;
    }
    return created(reply, { credential: view(svc, request, row) });
  });

  app.get<{ Params: { id: string } }>('/v3/credentials/:id', authed, async (request) => {
    const row = await getCredentialRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:get_credential', credentialTarget(row));
    if (!row) throw notFound('credential', request.params.id);
    return { credential: view(svc, request, row) };
  });

  app.patch<{ Params: { id: string } }>('/v3/credentials/:id', { ...authed, schema: { body: CredentialUpdate } }, async (request) => {
    const row = await getCredentialRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:update_credential', credentialTarget(row));
    if (!row) throw notFound('credential', request.params.id);
    const body = (request.body as Static<typeof CredentialUpdate>).credential as Static<typeof CredentialUpdate>['credential'] & Record<string, unknown>;
    if (body['id'] !== undefined && body['id'] !== row.id) throw validation('Cannot change ID');
    const next: CredentialRow = {
      ...row,
      user_id: body.user_id ?? row.user_id,
      type: body.type ?? row.type,
      blob: body.blob ?? row.blob,
      project_id: body.project_id !== undefined ? body.project_id : row.project_id,
      extra: JSON.stringify({ ...parseJson(row.extra), ...extraAttributes(body, KNOWN) }),
    };
    if (next.type.toLowerCase() === 'ec2') {
      const fresh = parseEc2Blob(next.blob);
      const old = parseJson(row.blob);
      // Delegation markers in an EC2 blob are fixed at creation (Keystone's rule).
      for (const key of ['trust_id', 'app_cred_id', 'access_token_id', 'access_id']) {
        if (row.type.toLowerCase() === 'ec2' && (old[key] ?? null) !== (fresh[key] ?? null)) throw validation(`${key} can not be updated for credential`);
      }
      if (!next.project_id) throw validation("Invalid input for field 'project_id': 'project_id' is a required property for an ec2 credential.");
    }
    // The updated credential must still be one the caller may own.
    authorize(svc, request, 'identity:update_credential', credentialTarget(next));
    const { id: _id, ...patch } = next;
    await updateCredentialRow(svc.db, row.id, patch);
    return { credential: view(svc, request, next) };
  });

  app.delete<{ Params: { id: string } }>('/v3/credentials/:id', authed, async (request, reply) => {
    const row = await getCredentialRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:delete_credential', credentialTarget(row));
    if (!row) throw notFound('credential', request.params.id);
    await deleteCredentialRow(svc.db, row.id);
    return reply.status(204).send();
  });
}

