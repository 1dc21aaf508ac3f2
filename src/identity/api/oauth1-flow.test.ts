import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signAuthorization, type OAuth1Signer } from '../auth/oauth1-signature.js';
import { DEMO_PASSWORD, identityFixture, type IdentityFixture } from '../test-support.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ORIGIN = 'http://localhost:80';

describe('OS-OAUTH1 delegation flow', () => {
  let f: IdentityFixture;
  let admin: string;
  let consumer: { id: string; secret: string };
  let projectId: string;

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: Json, token = admin): Promise<{ status: number; json: Json }> => {
    const res = await f.app.inject({ method, url, headers: { 'x-auth-token': token }, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, json: res.body ? (res.json() as Json) : {} };
  };

  const signed = async (path: string, signer: Omit<OAuth1Signer, 'consumerKey' | 'consumerSecret'> & Partial<OAuth1Signer>, headers: Record<string, string> = {}, payload?: Json) => {
    const authorization = signAuthorization('POST', `${ORIGIN}${path}`, { consumerKey: consumer.id, consumerSecret: consumer.secret, ...signer });
    return f.app.inject({ method: 'POST', url: path, headers: { authorization, ...headers }, ...(payload ? { payload } : {}) });
  };
  const form = (body: string): Record<string, string> => Object.fromEntries(new URLSearchParams(body));

  const requestToken = async () => {
    const res = await signed('/v3/OS-OAUTH1/request_token', { callback: 'oob' }, { 'requested-project-id': projectId });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toContain('application/x-www-form-urlencoded');
    return form(res.body) as { oauth_token: string; oauth_token_secret: string; oauth_expires_at: string };
  };
  const authorized = async (roles: Json[] = [{ name: 'member' }]) => {
    const rt = await requestToken();
    const res = await call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles });
    expect(res.status).toBe(200);
    return { ...rt, verifier: res.json['token'].oauth_verifier as string };
  };
  const accessToken = async () => {
    const rt = await authorized();
    const res = await signed('/v3/OS-OAUTH1/access_token', { token: rt.oauth_token, tokenSecret: rt.oauth_token_secret, verifier: rt.verifier });
    expect(res.statusCode).toBe(201);
    return form(res.body) as { oauth_token: string; oauth_token_secret: string; oauth_expires_at: string };
  };
  const oauthAuth = (at: { oauth_token: string; oauth_token_secret: string }, query = '') =>
    signed(`/v3/auth/tokens${query}`, { token: at.oauth_token, tokenSecret: at.oauth_token_secret }, {}, { auth: { identity: { methods: ['oauth1'], oauth1: {} } } });

  beforeEach(async () => {
    f = await identityFixture();
    admin = await f.adminToken();
    consumer = (await call('POST', '/v3/OS-OAUTH1/consumers', { consumer: { description: 'app' } })).json['consumer'];
    projectId = (await call('GET', '/v3/projects?name=admin')).json['projects'][0].id;
  });
  afterEach(async () => f.close());

  it('request token -> authorize -> access token -> project token limited to the delegated roles', async () => {
    const rt = await requestToken();
    expect(rt.oauth_token).toMatch(/^[0-9a-f]{32}$/);
    expect(rt.oauth_expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const auth = await call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles: [{ name: 'member' }] });
    expect(auth.status).toBe(200);
    const verifier = auth.json['token'].oauth_verifier as string;
    expect(verifier).toMatch(/^[A-Za-z0-9]{8}$/);
    const res = await signed('/v3/OS-OAUTH1/access_token', { token: rt.oauth_token, tokenSecret: rt.oauth_token_secret, verifier });
    expect(res.statusCode).toBe(201);
    const at = form(res.body) as { oauth_token: string; oauth_token_secret: string };
    // The request token is used up.
    expect((await signed('/v3/OS-OAUTH1/access_token', { token: rt.oauth_token, tokenSecret: rt.oauth_token_secret, verifier })).statusCode).toBe(404);

    const issued = await oauthAuth(at);
    expect(issued.statusCode).toBe(201);
    const token = (issued.json() as Json)['token'];
    expect(token.methods).toEqual(['oauth1']);
    expect(token['OS-OAUTH1']).toEqual({ access_token_id: at.oauth_token, consumer_id: consumer.id });
    expect(token.project.id).toBe(projectId);
    expect(token.roles.map((r: Json) => r.name).sort()).toEqual(['member', 'reader']);
    const subject = issued.headers['x-subject-token'] as string;
    const validated = await f.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': subject } });
    expect((validated.json() as Json)['token']['OS-OAUTH1'].access_token_id).toBe(at.oauth_token);

    // Access token management under the authorizing user.
    const userId = token.user.id as string;
    const list = await call('GET', `/v3/users/${userId}/OS-OAUTH1/access_tokens`);
    expect(list.json['access_tokens']).toHaveLength(1);
    const shown = list.json['access_tokens'][0];
    expect(shown).toMatchObject({ id: at.oauth_token, consumer_id: consumer.id, project_id: projectId, authorizing_user_id: userId });
    expect(shown).not.toHaveProperty('access_secret');
    expect(shown.links.roles).toBe(`${ORIGIN}/v3/users/${userId}/OS-OAUTH1/access_tokens/${at.oauth_token}/roles`);
    const roles = await call('GET', `/v3/users/${userId}/OS-OAUTH1/access_tokens/${at.oauth_token}/roles`);
    expect(roles.json['roles'].map((r: Json) => r.name)).toEqual(['member']);
    const roleId = roles.json['roles'][0].id as string;
    expect((await call('GET', `/v3/users/${userId}/OS-OAUTH1/access_tokens/${at.oauth_token}/roles/${roleId}`)).json['role'].name).toBe('member');
    expect((await call('GET', `/v3/users/${userId}/OS-OAUTH1/access_tokens/${at.oauth_token}`)).json['access_token'].id).toBe(at.oauth_token);

    // An OAuth1 token may not authorize further delegation or manage access tokens.
    expect((await call('GET', `/v3/users/${userId}/OS-OAUTH1/access_tokens`, undefined, subject)).status).toBe(403);

    // Deleting the access token ends the tokens made with it.
    expect((await call('DELETE', `/v3/users/${userId}/OS-OAUTH1/access_tokens/${at.oauth_token}`)).status).toBe(204);
    const after = await f.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': subject } });
    expect(after.statusCode).toBe(404);
    expect((await oauthAuth(at)).statusCode).toBe(404);
  });

  it('deleting the consumer removes its tokens and invalidates OAuth1 tokens', async () => {
    const at = await accessToken();
    const subject = (await oauthAuth(at)).headers['x-subject-token'] as string;
    expect((await call('DELETE', `/v3/OS-OAUTH1/consumers/${consumer.id}`)).status).toBe(204);
    const after = await f.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': subject } });
    expect(after.statusCode).toBe(404);
    expect(await f.svc.db.selectFrom('access_token').selectAll().execute()).toHaveLength(0);
  });

  it('deleting the authorizing user removes its access tokens', async () => {
    const user = (await call('POST', '/v3/users', { user: { name: 'delegator', password: 'pw-delegator', domain_id: 'default' } })).json['user'];
    const adminRole = (await call('GET', '/v3/roles?name=admin')).json['roles'][0].id as string;
    expect((await call('PUT', `/v3/projects/${projectId}/users/${user.id}/roles/${adminRole}`)).status).toBe(204);
    const token = await f.tokenFor('delegator', 'pw-delegator', 'admin');
    const rt = await requestToken();
    const verifier = (await call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles: [{ id: adminRole }] }, token)).json['token'].oauth_verifier as string;
    expect((await signed('/v3/OS-OAUTH1/access_token', { token: rt.oauth_token, tokenSecret: rt.oauth_token_secret, verifier })).statusCode).toBe(201);
    expect(await f.svc.db.selectFrom('access_token').selectAll().where('authorizing_user_id', '=', user.id).execute()).toHaveLength(1);
    expect((await call('DELETE', `/v3/users/${user.id}`)).status).toBe(204);
    expect(await f.svc.db.selectFrom('access_token').selectAll().where('authorizing_user_id', '=', user.id).execute()).toHaveLength(0);
  });

  it('request_token: bad signature 401, stale timestamp 400, missing project header 400, unknown project 404', async () => {
    const path = '/v3/OS-OAUTH1/request_token';
    const badSig = await signed(path, { callback: 'oob', consumerSecret: 'wrong' }, { 'requested-project-id': projectId });
    expect(badSig.statusCode).toBe(401);
    expect((badSig.json() as Json)['error'].message).toBe('Invalid signature');
    const stale = await signed(path, { callback: 'oob', timestamp: Math.floor(Date.now() / 1000) - 3600 }, { 'requested-project-id': projectId });
    expect(stale.statusCode).toBe(400);
    expect((stale.json() as Json)['error'].message).toBe(
      'Validation failed with errors: invalid_request, detail message is: Timestamp given is invalid, differ from allowed by over 600 seconds..');
    const noCallback = await signed(path, {}, { 'requested-project-id': projectId });
    expect(noCallback.statusCode).toBe(400);
    expect((await signed(path, { callback: 'oob' })).statusCode).toBe(400);
    expect((await signed(path, { callback: 'oob' }, { 'requested-project-id': 'nope' })).statusCode).toBe(404);
  });

  it('authorize: roles the user lacks are 401; a non-admin is 403; unknown role name is 404', async () => {
    const rt = await requestToken();
    const demo = await f.tokenFor('demo', DEMO_PASSWORD, 'demo');
    expect((await call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles: [{ name: 'member' }] }, demo)).status).toBe(403);
    const role = (await call('POST', '/v3/roles', { role: { name: 'unheld' } })).json['role'];
    const lacking = await call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles: [{ id: role.id }] });
    expect(lacking.status).toBe(401);
    expect(lacking.json['error'].message).toBe('authorizing user does not have role required');
    expect((await call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles: [{ name: 'no-such-role' }] })).status).toBe(404);
    expect((await call('PUT', `/v3/OS-OAUTH1/authorize/${rt.oauth_token}`, { roles: [{ id: role.id, name: 'x' }] })).status).toBe(400);
    expect((await call('PUT', '/v3/OS-OAUTH1/authorize/0123456789abcdef0123456789abcdef', { roles: [] })).status).toBe(404);
  });

  it('access_token: wrong verifier and unauthorized request tokens are 401', async () => {
    const rt = await authorized();
    const wrong = await signed('/v3/OS-OAUTH1/access_token', { token: rt.oauth_token, tokenSecret: rt.oauth_token_secret, verifier: 'ABCDEFGH' });
    expect(wrong.statusCode).toBe(401);
    expect((wrong.json() as Json)['error'].message).toBe('Provided verifier does not match stored verifier');
    const badSig = await signed('/v3/OS-OAUTH1/access_token', { token: rt.oauth_token, tokenSecret: 'wrong', verifier: rt.verifier });
    expect(badSig.statusCode).toBe(401);
    expect((badSig.json() as Json)['error'].message).toBe('Invalid signature');
    const fresh = await requestToken();
    expect((await signed('/v3/OS-OAUTH1/access_token', { token: fresh.oauth_token, tokenSecret: fresh.oauth_token_secret, verifier: 'ABCDEFGH' })).statusCode).toBe(401);
  });

  it('oauth1 auth method: a bad signature is refused; the access token roles stay readable', async () => {
    const at = await accessToken();
    const bad = await oauthAuth({ ...at, oauth_token_secret: 'wrong' });
    expect(bad.statusCode).toBe(401);
    expect((bad.json() as Json)['error'].message).toBe('Could not validate the access token');
    const userId = (await call('GET', '/v3/users?name=admin')).json['users'][0].id as string;
    const member = (await call('GET', '/v3/roles?name=member')).json['roles'][0].id as string;
    expect((await oauthAuth(at)).statusCode).toBe(201);
    expect((await call('GET', `/v3/users/${userId}/OS-OAUTH1/access_tokens/${at.oauth_token}/roles/${member}`)).status).toBe(200);
  });
});
