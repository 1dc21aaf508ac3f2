import { randomInt } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError } from '../../core/http/index.js';
import { effectiveRoles } from '../auth/effective-roles.js';
import { expectingIn, oauthHeaderParams, oauthValidationFailed } from '../auth/oauth1-method.js';
import { checkTokenFormat, OAuth1RequestError, readOAuth1Request, signatureMatches, VERIFIER_CHARS, type OAuth1HttpRequest, type OAuth1Params } from '../auth/oauth1-signature.js';
import { notFound } from '../errors.js';
import type { IdentityService } from '../service.js';
import { getConsumerRow } from '../store/consumers.js';
import {
  authorizeRequestToken, deleteAccessToken, exchangeRequestToken, getAccessToken, getRequestToken, insertRequestToken,
  listAccessTokens, roleIdsOf, type AccessTokenRow, type RequestTokenRow,
} from '../store/oauth1-tokens.js';
import { getProjectRow } from '../store/projects.js';
import { findRoleByName, getRoleRow } from '../store/roles.js';
import { NULL_DOMAIN } from '../store/schema.js';
import { storedTimeToDate } from '../timestamps.js';
import { authorize, baseUrl, collectionLinks, listBody, type Guard } from './kit.js';
import { roleView } from './roles.js';

/** Keystone's [oauth1] request_token_duration and access_token_duration defaults, in seconds. */
export const REQUEST_TOKEN_DURATION = 28800;
export const ACCESS_TOKEN_DURATION = 86400;

const FORM = 'application/x-www-form-urlencoded';

/** Keystone's utils.isotime(subsecond=True): microseconds and a Z. */
const isotime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

const expired = (expiresAt: string | null, now: Date): boolean => expiresAt !== null && now > storedTimeToDate(expiresAt);

/**
 * The request as oauthlib sees it in Keystone's request/access token endpoints: the
 * URL the client reached (scheme from the public endpoint), query string included.
 * The auth method signs the path only (`withQuery: false`), as Keystone's plugin does.
 */
export function oauthHttpRequest(svc: IdentityService, request: FastifyRequest, opts: { withQuery: boolean }): OAuth1HttpRequest {
  const scheme = `${baseUrl(svc, request).split(':')[0] ?? 'http'}:`;
  const path = opts.withQuery ? request.url : (request.url.split('?')[0] ?? '');
  const origin = opts.withQuery ? `${scheme}//${request.headers.host ?? request.hostname}` : baseUrl(svc, request);
  const auth = request.headers.authorization;
  const contentType = request.headers['content-type'];
  return {
    method: request.method, url: `${origin}${path}`, authorization: typeof auth === 'string' ? auth : undefined, contentType,
    formBody: typeof request.body === 'string' ? request.body : undefined,
  };
}

/** oauthlib's protocol checks; its errors become Keystone's 400 "Validation failed with errors". */
function readChecked(svc: IdentityService, req: OAuth1HttpRequest, extra: (p: OAuth1Params) => void): OAuth1Params {
  try {
    const params = readOAuth1Request(req, svc.clock.now().getTime() / 1000);
    extra(params);
    return params;
  } catch (e) {
    if (e instanceof OAuth1RequestError) throw oauthValidationFailed(e);
    throw e;
  }
}

const formReply = (reply: FastifyReply, fields: Array<[string, string]>): FastifyReply =>
  reply.status(201).header('content-type', FORM).send(fields.map(([k, v]) => `${k}=${v}`).join('&'));

/** Trust, OAuth1 and application credential tokens may not hand on what they were given. */
async function callerIsDelegated(svc: IdentityService, request: FastifyRequest): Promise<boolean> {
  const data = await svc.tokens.validate(callerOf(request).token);
  return Boolean(data.trust || data.oauth || data.applicationCredential);
}

/** Keystone's random.sample(VERIFIER_CHARS, 8): eight distinct characters. */
function newVerifier(): string {
  const pool = [...VERIFIER_CHARS];
  let out = '';
  for (let i = 0; i < 8; i++) out += pool.splice(randomInt(pool.length), 1)[0] ?? '';
  return out;
}

/** `roles` of an authorize body: [{id} | {name}], exactly one key each (Keystone's request_token_authorize). */
function parseRoleRefs(body: unknown): Array<{ id: string } | { name: string }> {
  const roles = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['roles'] ?? [] : [];
  const bad = (why: string): BadRequestError => new BadRequestError(`Invalid input for field 'roles': ${why}`);
  if (!Array.isArray(roles)) throw bad('must be an array.');
  return roles.map((r: unknown) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw bad('each role must be an object.');
    const entries = Object.entries(r as Record<string, unknown>);
    const [entry] = entries;
    if (entries.length !== 1 || !entry || !['id', 'name'].includes(entry[0])) throw bad("each role must have exactly one of 'id' or 'name'.");
    const [key, value] = entry;
    if (typeof value !== 'string' || value.length < 1 || value.length > (key === 'id' ? 64 : 255)) throw bad(`'${key}' must be a non-empty string.`);
    return key === 'id' ? { id: value } : { name: value };
  });
}

/**
 * OS-OAUTH1 delegation (keystone/api/os_oauth1.py and the access token calls of
 * keystone/api/users.py): a consumer gets a request token for a project, a user with
 * roles there authorizes it for some of them, the consumer exchanges it (with the
 * verifier) for an access token, and signs POST /v3/auth/tokens with that (the
 * `oauth1` method). Signed endpoints answer with form-encoded bodies.
 */
export function registerOauth1FlowRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  void app.register(async (scope) => {
    // Signed requests may carry form-encoded parameters; they take part in the signature.
    scope.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => done(null, body));
    registerSignedEndpoints(scope, svc);
  });
  registerAuthorize(app, svc, authed);
  registerAccessTokenRoutes(app, svc, authed);
}

function registerSignedEndpoints(app: FastifyInstance, svc: IdentityService): void {
  app.post('/v3/OS-OAUTH1/request_token', async (request, reply) => {
    const req = oauthHttpRequest(svc, request, { withQuery: true });
    const consumerId = oauthHeaderParams(req).get('oauth_consumer_key');
    const projectHeader = request.headers['requested-project-id'];
    const projectId = typeof projectHeader === 'string' ? projectHeader : undefined;
    if (!consumerId) throw expectingIn('oauth_consumer_key', 'request');
    if (!projectId) throw expectingIn('Requested-Project-Id', 'request');
    if (!(await getProjectRow(svc.db, projectId))) throw notFound('project', projectId);
    const consumer = await getConsumerRow(svc.db, consumerId);
    if (!consumer) throw new NotFoundError('Consumer not found');
    const params = readChecked(svc, req, (p) => {
      if (!p.callback) throw new OAuth1RequestError('invalid_request', 'Missing callback URI.');
    });
    if (params.consumerKey !== consumer.id || !signatureMatches(req, params, consumer.secret, '')) throw new UnauthorizedError('Invalid signature');
    const now = svc.clock.now();
    const row: RequestTokenRow = {
      id: svc.ids.hex(), request_secret: svc.ids.hex(), verifier: null, authorizing_user_id: null, requested_project_id: projectId,
      role_ids: null, consumer_id: consumer.id, expires_at: isotime(new Date(now.getTime() + REQUEST_TOKEN_DURATION * 1000)),
    };
    await insertRequestToken(svc.db, row);
    return formReply(reply, [['oauth_token', row.id], ['oauth_token_secret', row.request_secret], ['oauth_expires_at', row.expires_at ?? '']]);
  });

  app.post('/v3/OS-OAUTH1/access_token', async (request, reply) => {
    const req = oauthHttpRequest(svc, request, { withQuery: true });
    const header = oauthHeaderParams(req);
    const consumerId = header.get('oauth_consumer_key');
    const requestTokenId = header.get('oauth_token');
    const verifier = header.get('oauth_verifier');
    if (!consumerId) throw expectingIn('oauth_consumer_key', 'request');
    if (!requestTokenId) throw expectingIn('oauth_token', 'request');
    if (!verifier) throw expectingIn('oauth_verifier', 'request');
    const token = await getRequestToken(svc.db, requestTokenId);
    if (!token) throw new NotFoundError('Request token not found');
    const now = svc.clock.now();
    if (expired(token.expires_at, now)) throw new UnauthorizedError('Request token is expired');
    const params = readChecked(svc, req, (p) => checkTokenFormat(p, { verifier: true }));
    const consumer = await getConsumerRow(svc.db, params.consumerKey);
    if (!consumer) throw new UnauthorizedError('Provided consumer does not exist.');
    if (token.consumer_id !== consumer.id || params.token !== token.id) throw new UnauthorizedError('Provided consumer key does not match stored consumer key.');
    if (token.verifier !== params.verifier) throw new UnauthorizedError('Provided verifier does not match stored verifier');
    if (!signatureMatches(req, params, consumer.secret, token.request_secret)) throw new UnauthorizedError('Invalid signature');
    if (!token.authorizing_user_id) throw new UnauthorizedError('Request Token does not have an authorizing user id.');
    const access: AccessTokenRow = {
      id: svc.ids.hex(), access_secret: svc.ids.hex(), authorizing_user_id: token.authorizing_user_id, project_id: token.requested_project_id,
      role_ids: token.role_ids ?? '[]', consumer_id: token.consumer_id, expires_at: isotime(new Date(now.getTime() + ACCESS_TOKEN_DURATION * 1000)),
    };
    // Two racing exchanges of one request token: only one gets an access token.
    if (!(await exchangeRequestToken(svc.db, token.id, access))) throw new NotFoundError('Request token not found');
    return formReply(reply, [['oauth_token', access.id], ['oauth_token_secret', access.access_secret], ['oauth_expires_at', access.expires_at ?? '']]);
  });
}

function registerAuthorize(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.put<{ Params: { id: string } }>('/v3/OS-OAUTH1/authorize/:id', authed, async (request) => {
    const ctx = authorize(svc, request, 'identity:authorize_request_token');
    const refs = parseRoleRefs(request.body);
    if (await callerIsDelegated(svc, request)) throw new ForbiddenError('Cannot authorize a request token with a token issued via delegation.');
    const token = await getRequestToken(svc.db, request.params.id);
    if (!token) throw new NotFoundError('Request token not found');
    if (expired(token.expires_at, svc.clock.now())) throw new UnauthorizedError('Request token is expired');
    const wanted = new Set<string>();
    for (const ref of refs) {
      if ('id' in ref) {
        wanted.add(ref.id);
        continue;
      }
      const role = await findRoleByName(svc.db, ref.name, NULL_DOMAIN);
      if (!role) throw notFound('role', ref.name);
      wanted.add(role.id);
    }
    const held = new Set((await effectiveRoles(svc.db, ctx.userId, { type: 'project', projectId: token.requested_project_id })).map((r) => r.id));
    if (![...wanted].every((id) => held.has(id))) throw new UnauthorizedError('authorizing user does not have role required');
    const verifier = newVerifier();
    await authorizeRequestToken(svc.db, token.id, ctx.userId, verifier, [...wanted]);
    return { token: { oauth_verifier: verifier } };
  });
}

function registerAccessTokenRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  const base = '/v3/users/:userId/OS-OAUTH1/access_tokens';
  type Params = { userId: string; id: string };

  const view = (request: FastifyRequest, row: AccessTokenRow): Record<string, unknown> => {
    const self = `${baseUrl(svc, request)}/v3/users/${row.authorizing_user_id}/OS-OAUTH1/access_tokens/${row.id}`;
    return {
      id: row.id, consumer_id: row.consumer_id, project_id: row.project_id, authorizing_user_id: row.authorizing_user_id,
      expires_at: row.expires_at, links: { roles: `${self}/roles`, self },
    };
  };
  const noDelegation = async (request: FastifyRequest): Promise<void> => {
    if (await callerIsDelegated(svc, request)) throw new ForbiddenError('Cannot manage OAuth access tokens with a token issued via delegation.');
  };
  /** The user's access token; another user's is answered like Keystone (`otherUser`). */
  const load = async (params: Params, otherUser: () => Error): Promise<AccessTokenRow> => {
    const row = await getAccessToken(svc.db, params.id);
    if (!row) throw new NotFoundError('Access token not found');
    if (row.authorizing_user_id !== params.userId) throw otherUser();
    return row;
  };
  const roleEntity = async (request: FastifyRequest, roleId: string): Promise<Record<string, unknown>> => {
    const role = await getRoleRow(svc.db, roleId);
    if (!role) throw notFound('role', roleId);
    const { description: _d, ...shown } = roleView(svc, request, role);
    return shown;
  };

  app.get<{ Params: { userId: string } }>(base, authed, async (request) => {
    authorize(svc, request, 'identity:list_access_tokens');
    await noDelegation(request);
    const rows = await listAccessTokens(svc.db, request.params.userId);
    return listBody(svc, request, 'access_tokens', rows.map((r) => view(request, r)));
  });

  app.get<{ Params: Params }>(`${base}/:id`, authed, async (request) => {
    authorize(svc, request, 'identity:get_access_token');
    await noDelegation(request);
    return { access_token: view(request, await load(request.params, () => new NotFoundError())) };
  });

  app.delete<{ Params: Params }>(`${base}/:id`, authed, async (request, reply) => {
    // Keystone checks this call against the ec2_delete_credential rule.
    authorize(svc, request, 'identity:ec2_delete_credential');
    await noDelegation(request);
    const row = await load(request.params, () => new UnauthorizedError('User IDs do not match'));
    await deleteAccessToken(svc.db, row.id);
    return reply.status(204).send();
  });

  app.get<{ Params: Params }>(`${base}/:id/roles`, authed, async (request) => {
    authorize(svc, request, 'identity:list_access_token_roles');
    const row = await load(request.params, () => new NotFoundError());
    const roles = await Promise.all(roleIdsOf(row.role_ids).map((id) => roleEntity(request, id)));
    return { roles, links: collectionLinks(svc, request) };
  });

  app.get<{ Params: Params & { roleId: string } }>(`${base}/:id/roles/:roleId`, authed, async (request) => {
    authorize(svc, request, 'identity:get_access_token_role');
    const row = await load(request.params, () => new UnauthorizedError('User IDs do not match'));
    if (!roleIdsOf(row.role_ids).includes(request.params.roleId)) throw notFound('role', request.params.roleId);
    return { role: await roleEntity(request, request.params.roleId) };
  });
}
