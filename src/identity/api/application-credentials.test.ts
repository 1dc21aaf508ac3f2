import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { DEMO_PASSWORD, identityFixture, type IdentityFixture } from '../test-support.js';
import { authenticate, Seed } from './delegation-test-support.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('application credentials', () => {
  let f: IdentityFixture;
  let seed: Seed;
  let demoId: string;
  let demoToken: string;

  beforeEach(async () => {
    f = await identityFixture({ manualClock: true });
    seed = new Seed(f);
    demoId = await seed.userId('demo');
    demoToken = await f.tokenFor('demo', DEMO_PASSWORD, 'demo');
  });
  afterEach(async () => f.close());

  const create = async (body: Json, token = demoToken, userId = demoId): Promise<{ status: number; json: Json }> => {
    const res = await f.app.inject({ method: 'POST', url: `/v3/users/${userId}/application_credentials`, headers: { 'x-auth-token': token }, payload: { application_credential: body } });
    return { status: res.statusCode, json: res.json() as Json };
  };
  const get = async (url: string, token = demoToken): Promise<{ status: number; json: Json }> => {
    const res = await f.app.inject({ method: 'GET', url, headers: { 'x-auth-token': token } });
    return { status: res.statusCode, json: res.body ? (res.json() as Json) : {} };
  };

  it('create: shows a generated secret once and delegates the token roles by default', async () => {
    const { status, json } = await create({ name: 'ci', description: 'for CI' });
    expect(status).toBe(201);
    const cred = json['application_credential'];
    expect(cred.secret).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(cred.roles.map((r: Json) => r.name).sort()).toEqual(['member', 'reader']);
    expect(cred).toMatchObject({ name: 'ci', description: 'for CI', unrestricted: false, expires_at: null });
    expect(cred.links.self).toContain(`/v3/users/${demoId}/application_credentials/${cred.id}`);

    const shown = await get(`/v3/users/${demoId}/application_credentials/${cred.id}`);
    expect(shown.status).toBe(200);
    expect(shown.json['application_credential']).not.toHaveProperty('secret');

    const byId = await authenticate(f, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } });
    expect(byId.status).toBe(201);
    expect(byId.body['project']).toMatchObject({ name: 'demo' });
    expect(byId.body['application_credential']).toEqual({ id: cred.id, name: 'ci', restricted: true });
    expect(byId.body['methods']).toEqual(['application_credential']);

    const byName = await authenticate(f, {
      identity: { methods: ['application_credential'], application_credential: { name: 'ci', secret: cred.secret, user: { name: 'demo', domain: { id: 'default' } } } },
    });
    expect(byName.status).toBe(201);

    const wrong = await authenticate(f, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: 'nope' } } });
    expect(wrong.status).toBe(401);
  });

  it('create: keeps a given secret and limits tokens to the chosen roles', async () => {
    const { json } = await create({ name: 'ro', secret: 's3cret', roles: [{ name: 'reader' }] });
    const cred = json['application_credential'];
    expect(cred.secret).toBe('s3cret');
    expect(cred.roles.map((r: Json) => r.name)).toEqual(['reader']);
    const auth = await authenticate(f, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: 's3cret' } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } });
    expect(auth.status).toBe(401); // scope is forced to the credential's project
    const ok = await authenticate(f, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: 's3cret' } } });
    expect((ok.body['roles'] as Json[]).map((r) => r['name'])).toEqual(['reader']);
  });

  it('create: refuses roles the user does not hold (400), unknown role names (404) and duplicates (409)', async () => {
    const admin = await seed.role('admin');
    expect((await create({ name: 'x', roles: [{ id: admin }] })).status).toBe(400);
    expect((await create({ name: 'x', roles: [{ name: 'no-such-role' }] })).status).toBe(404);
    expect((await create({ name: 'dup' })).status).toBe(201);
    expect((await create({ name: 'dup' })).status).toBe(409);
    expect((await create({ name: 'x', expires_at: 'bad.123Z' })).status).toBe(400);
    expect((await create({ name: 'x', bogus: 1 })).status).toBe(400);
  });

  it('create: only for yourself', async () => {
    const admin = await f.adminToken();
    expect((await create({ name: 'x' }, admin)).status).toBe(403);
  });

  it('expires_at: echoed as sent and enforced at authentication', async () => {
    const clock = f.clock as ManualClock;
    const expires = new Date(clock.now().getTime() + 3600_000).toISOString().replace('Z', '').replace(/\.(\d{3})$/, '.$1456');
    const { json } = await create({ name: 'short', expires_at: expires });
    const cred = json['application_credential'];
    expect(cred.expires_at).toBe(expires);
    const auth = await authenticate(f, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } });
    expect(auth.status).toBe(201);
    expect(new Date(auth.body['expires_at'] as string).getTime()).toBeLessThanOrEqual(new Date(`${expires}Z`).getTime());
    clock.advance(3601_000);
    const late = await authenticate(f, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } });
    expect(late.status).toBe(401);
  });

  it('list: all of the user, filtered by name', async () => {
    await create({ name: 'one' });
    await create({ name: 'two' });
    const all = await get(`/v3/users/${demoId}/application_credentials`);
    expect(all.json['application_credentials']).toHaveLength(2);
    const two = await get(`/v3/users/${demoId}/application_credentials?name=two`);
    expect(two.json['application_credentials'].map((c: Json) => c.name)).toEqual(['two']);
  });

  it('a restricted credential cannot make another; an unrestricted one can', async () => {
    const restricted = (await create({ name: 'r' })).json['application_credential'];
    const unrestricted = (await create({ name: 'u', unrestricted: true })).json['application_credential'];
    const rTok = await authenticate(f, { identity: { methods: ['application_credential'], application_credential: { id: restricted.id, secret: restricted.secret } } });
    expect((await create({ name: 'child' }, rTok.token)).status).toBe(403);
    const uTok = await authenticate(f, { identity: { methods: ['application_credential'], application_credential: { id: unrestricted.id, secret: unrestricted.secret } } });
    expect((await create({ name: 'child' }, uTok.token)).status).toBe(201);
  });

  it('delete: revokes the tokens made from it', async () => {
    const cred = (await create({ name: 'gone' })).json['application_credential'];
    const tok = await authenticate(f, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } });
    expect((await get('/v3/auth/catalog', tok.token)).status).toBe(200);
    const del = await f.app.inject({ method: 'DELETE', url: `/v3/users/${demoId}/application_credentials/${cred.id}`, headers: { 'x-auth-token': demoToken } });
    expect(del.statusCode).toBe(204);
    expect((await get('/v3/auth/catalog', tok.token)).status).toBe(401);
    const missing = await get(`/v3/users/${demoId}/application_credentials/${cred.id}`);
    expect(missing.status).toBe(404);
    expect(missing.json['error'].message).toBe(`Could not find application credential: ${cred.id}.`);
  });

  it('losing a role on the project invalidates tokens from a credential that delegated it', async () => {
    const member = await seed.role('member');
    const project = await seed.userId('demo').then(async () => (await f.svc.db.selectFrom('project').select('id').where('name', '=', 'demo').executeTakeFirstOrThrow()).id);
    const cred = (await create({ name: 'm', roles: [{ name: 'member' }] })).json['application_credential'];
    const tok = await authenticate(f, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } });
    expect(tok.status).toBe(201);
    await seed.revoke(demoId, project, member);
    expect((await get('/v3/auth/catalog', tok.token)).status).toBe(401);
  });

  describe('access rules', () => {
    const rule = { path: '/v2.1/servers/*/ips', method: 'GET', service: 'compute' };

    it('are created with a credential and listed, shown and deleted once unused', async () => {
      const cred = (await create({ name: 'ar', access_rules: [rule] })).json['application_credential'];
      const { id, ...fields } = cred.access_rules[0];
      expect(fields).toEqual(rule);
      const list = await get(`/v3/users/${demoId}/access_rules`);
      expect(list.json['access_rules']).toHaveLength(1);
      expect((await get(`/v3/users/${demoId}/access_rules/${id}`)).json['access_rule']).toMatchObject({ id, ...rule });

      const del = (): Promise<{ statusCode: number }> => f.app.inject({ method: 'DELETE', url: `/v3/users/${demoId}/access_rules/${id}`, headers: { 'x-auth-token': demoToken } });
      expect((await del()).statusCode).toBe(403);
      // A second credential with the same rule shares it.
      const again = (await create({ name: 'ar2', access_rules: [rule] })).json['application_credential'];
      expect(again.access_rules[0].id).toBe(id);
      for (const c of [cred, again]) {
        await f.app.inject({ method: 'DELETE', url: `/v3/users/${demoId}/application_credentials/${c.id}`, headers: { 'x-auth-token': demoToken } });
      }
      expect((await get(`/v3/users/${demoId}/access_rules`)).json['access_rules']).toHaveLength(1);
      expect((await del()).statusCode).toBe(204);
      expect((await get(`/v3/users/${demoId}/access_rules`)).json['access_rules']).toHaveLength(0);
      expect((await del()).statusCode).toBe(404);
    });
  });
});
