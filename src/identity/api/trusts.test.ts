import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { DEMO_PASSWORD, identityFixture, type IdentityFixture } from '../test-support.js';
import { authenticate, Seed } from './delegation-test-support.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('OS-TRUST trusts', () => {
  let f: IdentityFixture;
  let seed: Seed;
  let project: string;
  let trustorId: string;
  let trusteeId: string;
  let delegated: string;
  let kept: string;
  let trustorToken: string;

  beforeEach(async () => {
    f = await identityFixture({ manualClock: true });
    seed = new Seed(f);
    project = await seed.project('trust-project');
    trustorId = await seed.user('trustor', 'trustor-pw');
    trusteeId = await seed.userId('demo');
    delegated = await seed.role('Delegated');
    kept = await seed.role('NotDelegated');
    await seed.grant(trustorId, project, delegated);
    await seed.grant(trustorId, project, kept);
    trustorToken = await f.tokenFor('trustor', 'trustor-pw', 'trust-project');
  });
  afterEach(async () => f.close());

  const call = async (method: 'GET' | 'POST' | 'DELETE' | 'HEAD', url: string, token: string, payload?: Json): Promise<{ status: number; json: Json }> => {
    const res = await f.app.inject({ method, url, headers: { 'x-auth-token': token }, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, json: res.body ? (res.json() as Json) : {} };
  };
  const createTrust = (extra: Json = {}, token = trustorToken): Promise<{ status: number; json: Json }> => call('POST', '/v3/OS-TRUST/trusts', token, {
    trust: { trustor_user_id: trustorId, trustee_user_id: trusteeId, project_id: project, roles: [{ name: 'Delegated' }], impersonation: true, ...extra },
  });
  const trusteePassword = { methods: ['password'], password: { user: { name: 'demo', domain: { id: 'default' }, password: DEMO_PASSWORD } } };
  const trustAuth = (trustId: string, identity: Json = trusteePassword): ReturnType<typeof authenticate> =>
    authenticate(f, { identity, scope: { 'OS-TRUST:trust': { id: trustId } } });

  it('create/get/roles: the delegated role only, with Keystone fields', async () => {
    const { status, json } = await createTrust({ expires_at: null });
    expect(status).toBe(201);
    const trust = json['trust'];
    expect(trust).toMatchObject({
      trustor_user_id: trustorId, trustee_user_id: trusteeId, project_id: project, impersonation: true,
      expires_at: null, remaining_uses: null, redelegation_count: 0,
    });
    expect(trust.links.self).toContain(`v3/OS-TRUST/trusts/${trust.id}`);
    expect(trust.roles.map((r: Json) => r.id)).toEqual([delegated]);
    expect(trust.roles[0].links.self).toContain(`v3/roles/${delegated}`);

    expect((await call('GET', `/v3/OS-TRUST/trusts/${trust.id}`, trustorToken)).json['trust'].roles).toHaveLength(1);
    const roles = await call('GET', `/v3/OS-TRUST/trusts/${trust.id}/roles`, trustorToken);
    expect(roles.json['roles'].map((r: Json) => r.name)).toEqual(['Delegated']);
    expect((await call('GET', `/v3/OS-TRUST/trusts/${trust.id}/roles/${delegated}`, trustorToken)).json['role'].id).toBe(delegated);
    expect((await call('HEAD', `/v3/OS-TRUST/trusts/${trust.id}/roles/${delegated}`, trustorToken)).status).toBe(200);
    expect((await call('GET', `/v3/OS-TRUST/trusts/${trust.id}/roles/${kept}`, trustorToken)).status).toBe(404);
    expect((await call('HEAD', `/v3/OS-TRUST/trusts/${trust.id}/roles/${kept}`, trustorToken)).status).toBe(404);
  });

  it('create: expiry echoed with microseconds, a bad one is 400', async () => {
    const at = new Date(f.clock.now().getTime() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const { json } = await createTrust({ expires_at: at });
    expect(json['trust'].expires_at.replace(/\.\d{6}/, '')).toBe(at);
    expect((await createTrust({ expires_at: 'bad.123Z' })).status).toBe(400);
  });

  it('create: refused for someone else, for roles the trustor lacks, and without roles', async () => {
    const admin = await seed.role('admin');
    expect((await createTrust({ roles: [{ id: admin }] })).status).toBe(404);
    expect((await createTrust({ roles: [] })).status).toBe(403);
    expect((await createTrust({ trustor_user_id: trusteeId })).status).toBe(403);
    expect((await createTrust({ trustee_user_id: 'nobody' })).status).toBe(404);
  });

  it('list: by trustor, and all for an admin', async () => {
    const trust = (await createTrust()).json['trust'];
    const mine = await call('GET', `/v3/OS-TRUST/trusts/?trustor_user_id=${trustorId}`, trustorToken);
    expect(mine.status).toBe(200);
    expect(mine.json['trusts']).toHaveLength(1);
    expect(mine.json['trusts'][0]).not.toHaveProperty('roles');
    const all = await call('GET', '/v3/OS-TRUST/trusts', await f.adminToken());
    expect(all.json['trusts'].map((t: Json) => t.id)).toContain(trust.id);
    expect((await call('GET', '/v3/OS-TRUST/trusts', trustorToken)).status).toBe(403);
    expect((await call('GET', `/v3/OS-TRUST/trusts?trustor_user_id=${trusteeId}`, trustorToken)).status).toBe(403);
  });

  it('auth: the trustee gets a trust-scoped token that impersonates the trustor', async () => {
    const trust = (await createTrust()).json['trust'];
    const { status, token, body } = await trustAuth(trust.id);
    expect(status).toBe(201);
    expect(body['OS-TRUST:trust']).toEqual({ id: trust.id, impersonation: true, trustor_user: { id: trustorId }, trustee_user: { id: trusteeId } });
    expect((body['user'] as Json)['id']).toBe(trustorId);
    expect((body['project'] as Json)['id']).toBe(project);
    expect(body).not.toHaveProperty('is_domain');
    expect((body['roles'] as Json[]).map((r) => r['id'])).toEqual([delegated]);
    // Validating it gives the same body.
    const shown = await f.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': token, 'x-subject-token': token } });
    expect(shown.statusCode).toBe(200);
    expect((shown.json() as Json)['token']['OS-TRUST:trust'].id).toBe(trust.id);
    // A trust-scoped token cannot be rescoped.
    const rescope = await authenticate(f, { identity: { methods: ['token'], token: { id: token } }, scope: { project: { id: project } } });
    expect(rescope.status).toBe(403);
  });

  it('auth: without impersonation the token shows the trustee', async () => {
    const trust = (await createTrust({ impersonation: false })).json['trust'];
    const { body } = await trustAuth(trust.id);
    expect((body['user'] as Json)['id']).toBe(trusteeId);
  });

  it('auth: only the trustee, only while uses remain, never beyond the trust expiry', async () => {
    const limited = (await createTrust({ remaining_uses: 1 })).json['trust'];
    const byTrustor = await trustAuth(limited.id, { methods: ['password'], password: { user: { name: 'trustor', domain: { id: 'default' }, password: 'trustor-pw' } } });
    expect(byTrustor.status).toBe(403);
    expect((await trustAuth(limited.id)).status).toBe(201);
    expect((await trustAuth(limited.id)).status).toBe(401);

    const clock = f.clock as ManualClock;
    const at = new Date(clock.now().getTime() + 600_000).toISOString();
    const expiring = (await createTrust({ expires_at: at })).json['trust'];
    const { body } = await trustAuth(expiring.id);
    expect(new Date(body['expires_at'] as string).getTime()).toBeLessThanOrEqual(new Date(at).getTime());
    clock.advance(601_000);
    expect((await trustAuth(expiring.id)).status).toBe(401);
    expect((await call('GET', `/v3/OS-TRUST/trusts/${expiring.id}`, trustorToken)).status).toBe(404);
  });

  it('delete: invalidates its tokens; a trustor losing the role does too', async () => {
    const trust = (await createTrust()).json['trust'];
    const { token } = await trustAuth(trust.id);
    expect((await call('GET', '/v3/auth/catalog', token)).status).toBe(200);
    expect((await call('DELETE', `/v3/OS-TRUST/trusts/${trust.id}`, trustorToken)).status).toBe(204);
    expect((await call('GET', '/v3/auth/catalog', token)).status).toBe(401);
    expect((await call('GET', `/v3/OS-TRUST/trusts/${trust.id}`, trustorToken)).status).toBe(404);

    const second = (await createTrust()).json['trust'];
    const t2 = await trustAuth(second.id);
    await seed.revoke(trustorId, project, delegated);
    expect((await call('GET', '/v3/auth/catalog', t2.token)).status).toBe(401);
    expect((await trustAuth(second.id)).status).toBe(403);
  });

  it('redelegation: the trustee passes the trust on within its limits', async () => {
    const third = await seed.user('third', 'third-pw');
    const trust = (await createTrust({ allow_redelegation: true })).json['trust'];
    expect(trust.redelegation_count).toBe(3);
    const { token } = await trustAuth(trust.id);
    const redelegated = await call('POST', '/v3/OS-TRUST/trusts', token, {
      trust: { trustor_user_id: trusteeId, trustee_user_id: third, project_id: project, roles: [{ id: delegated }], impersonation: true, allow_redelegation: true },
    });
    expect(redelegated.status).toBe(201);
    expect(redelegated.json['trust']).toMatchObject({ redelegated_trust_id: trust.id, redelegation_count: 2 });
    const tooMany = await call('POST', '/v3/OS-TRUST/trusts', token, {
      trust: { trustor_user_id: trusteeId, trustee_user_id: third, project_id: project, roles: [{ id: kept }], impersonation: true },
    });
    expect(tooMany.status).toBe(403);
    // Deleting the first trust takes the redelegated one with it.
    expect((await call('DELETE', `/v3/OS-TRUST/trusts/${trust.id}`, trustorToken)).status).toBe(204);
    const thirdToken = await f.tokenFor('third', 'third-pw');
    expect((await call('GET', `/v3/OS-TRUST/trusts?trustee_user_id=${third}`, thirdToken)).json['trusts']).toHaveLength(0);
  });
});
