import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { KeyPairRow } from '../db/schema.js';
import { createKeyPair, deleteKeyPair, getKeyPair, listKeyPairs, type KeyType } from '../domain/keypairs.js';
import { badRequest } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { endpointOf } from './links.js';
import { pageParams } from './paging.js';
import { checkBody } from './validate.js';
import { novaTime } from '../domain/timestamps.js';

type NameParams = { Params: { name: string } };

const fields = (v292: boolean) => ({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  public_key: v292 ? Type.String({ maxLength: 65535 }) : Type.Optional(Type.String({ maxLength: 65535 })),
  type: Type.Optional(Type.Union([Type.Literal('ssh'), Type.Literal('x509')])),
  user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});
const CreateV2_1 = Type.Object({ keypair: Type.Object({ name: fields(false).name, public_key: fields(false).public_key }, { additionalProperties: false }) }, { additionalProperties: false });
const CreateV2_2 = Type.Object({ keypair: Type.Object({ name: fields(false).name, public_key: fields(false).public_key, type: fields(false).type }, { additionalProperties: false }) }, { additionalProperties: false });
const CreateV2_10 = Type.Object({ keypair: Type.Object(fields(false), { additionalProperties: false }) }, { additionalProperties: false });
const CreateV2_92 = Type.Object({ keypair: Type.Object(fields(true), { additionalProperties: false }) }, { additionalProperties: false });

/** The key's owner: the caller, or (2.10, admins) the `user_id` asked for. */
function ownerOf(request: FastifyRequest, asked: string | undefined): string {
  return asked !== undefined && request.apiVersion.atLeast('2.10') ? asked : callerOf(request).userId;
}

function queryUser(request: FastifyRequest): string | undefined {
  const q = request.query as Record<string, string | undefined>;
  return q.user_id;
}

export function registerKeypairRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const summary = (request: FastifyRequest, row: KeyPairRow): Record<string, unknown> => ({
    name: row.name, public_key: row.public_key, fingerprint: row.fingerprint, ...(request.apiVersion.atLeast('2.2') ? { type: row.type } : {}),
  });

  app.get('/v2.1/os-keypairs', authed, async (request) => {
    const user = ownerOf(request, queryUser(request));
    svc.authorize(callerOf(request), 'os_compute_api:os-keypairs:index', { user_id: user });
    const page = request.apiVersion.atLeast('2.35') ? pageParams(request.query as Record<string, string>) : {};
    const rows = await listKeyPairs(svc, user, page);
    const body: Record<string, unknown> = { keypairs: rows.map((r) => ({ keypair: summary(request, r) })) };
    if (page.limit !== undefined && rows.length === page.limit && rows.length > 0) {
      const url = new URL(request.url, endpointOf(request));
      url.searchParams.set('marker', rows.at(-1)!.name);
      body.keypairs_links = [{ rel: 'next', href: `${endpointOf(request)}/v2.1/os-keypairs?${url.searchParams.toString()}` }];
    }
    return body;
  });

  app.get<NameParams>('/v2.1/os-keypairs/:name', authed, async (request) => {
    const user = ownerOf(request, queryUser(request));
    svc.authorize(callerOf(request), 'os_compute_api:os-keypairs:show', { user_id: user });
    const row = await getKeyPair(svc, user, request.params.name);
    return {
      keypair: {
        ...summary(request, row), user_id: row.user_id, created_at: novaTime(row.created_at),
        deleted: false, deleted_at: null, updated_at: null, id: row.id,
      },
    };
  });

  app.post('/v2.1/os-keypairs', authed, async (request, reply) => {
    const v = request.apiVersion;
    const schema = v.atLeast('2.92') ? CreateV2_92 : v.atLeast('2.10') ? CreateV2_10 : v.atLeast('2.2') ? CreateV2_2 : CreateV2_1;
    const { keypair } = checkBody(schema, request.body) as { keypair: { name: string; public_key?: string; type?: KeyType; user_id?: string } };
    const safe = v.atLeast('2.92') ? /^[a-zA-Z0-9 @._-]+$/ : /^[a-zA-Z0-9 _-]+$/;
    if (!safe.test(keypair.name) || keypair.name.trim() === '') throw badRequest('Keypair data is invalid: Keypair name contains unsafe characters');
    const user = ownerOf(request, keypair.user_id);
    svc.authorize(callerOf(request), 'os_compute_api:os-keypairs:create', { user_id: user });
    const { row, privateKey } = await createKeyPair(svc, {
      name: keypair.name, userId: user, projectId: callerOf(request).projectId ?? '', type: keypair.type ?? 'ssh', ...(keypair.public_key !== undefined ? { publicKey: keypair.public_key } : {}),
    });
    const body = { keypair: { ...summary(request, row), user_id: row.user_id, ...(privateKey !== undefined ? { private_key: privateKey } : {}) } };
    return reply.status(v.atLeast('2.2') ? 201 : 200).send(body);
  });

  app.delete<NameParams>('/v2.1/os-keypairs/:name', authed, async (request, reply) => {
    const user = ownerOf(request, queryUser(request));
    svc.authorize(callerOf(request), 'os_compute_api:os-keypairs:delete', { user_id: user });
    await deleteKeyPair(svc, user, request.params.name);
    return reply.status(request.apiVersion.atLeast('2.2') ? 204 : 202).send();
  });
}
