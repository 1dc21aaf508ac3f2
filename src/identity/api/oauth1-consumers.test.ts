import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, identityFixture, type IdentityFixture } from '../test-support.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('OS-OAUTH1 consumers and OS-REVOKE events', () => {
  let f: IdentityFixture;
  let admin: string;
  beforeEach(async () => {
    f = await identityFixture();
    admin = await f.adminToken();
  });
  afterEach(async () => f.close());

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Json, token = admin): Promise<{ status: number; json: Json }> => {
    const res = await f.app.inject({ method, url, headers: { 'x-auth-token': token }, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, json: res.body ? (res.json() as Json) : {} };
  };

  it('consumers: create shows the secret once; show, update, list, delete', async () => {
    const created = await call('POST', '/v3/OS-OAUTH1/consumers', { consumer: { description: 'app' } });
    expect(created.status).toBe(201);
    const c = created.json['consumer'];
    expect(c.secret).toMatch(/^[0-9a-f]{32}$/);
    expect(c.links.self).toContain(`/v3/OS-OAUTH1/consumers/${c.id}`);
    const shown = (await call('GET', `/v3/OS-OAUTH1/consumers/${c.id}`)).json['consumer'];
    expect(shown).toEqual({ id: c.id, description: 'app', links: c.links });
    expect((await call('PATCH', `/v3/OS-OAUTH1/consumers/${c.id}`, { consumer: { description: 'new' } })).json['consumer'].description).toBe('new');
    expect((await call('PATCH', `/v3/OS-OAUTH1/consumers/${c.id}`, { consumer: { secret: 'x' } })).status).toBe(400);
    expect((await call('GET', '/v3/OS-OAUTH1/consumers')).json['consumers'].map((x: Json) => x.id)).toContain(c.id);
    expect((await call('DELETE', `/v3/OS-OAUTH1/consumers/${c.id}`)).status).toBe(204);
    const gone = await call('GET', `/v3/OS-OAUTH1/consumers/${c.id}`);
    expect(gone.status).toBe(404);
    expect(gone.json['error'].message).toBe(`Could not find consumer: ${c.id}.`);
  });

  it('consumers: admin only', async () => {
    const demo = await f.tokenFor('demo', DEMO_PASSWORD, 'demo');
    expect((await call('POST', '/v3/OS-OAUTH1/consumers', { consumer: {} }, demo)).status).toBe(403);
    expect((await call('GET', '/v3/OS-OAUTH1/consumers', undefined, demo)).status).toBe(403);
  });

  it('revoke events: a revoked token shows up by audit id, filtered by since', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    const demo = await f.tokenFor('demo', DEMO_PASSWORD, 'demo');
    const validated = await f.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': demo } });
    const auditId = (validated.json() as Json)['token'].audit_ids[0];
    const del = await f.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': demo } });
    expect(del.statusCode).toBe(204);
    const events = await call('GET', '/v3/OS-REVOKE/events');
    expect(events.status).toBe(200);
    const ev = events.json['events'].find((e: Json) => e.audit_id === auditId);
    expect(ev.issued_before).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(ev).not.toHaveProperty('user_id');
    expect((await call('GET', `/v3/OS-REVOKE/events?since=${encodeURIComponent(before)}`)).json['events']).toHaveLength(1);
    expect((await call('GET', '/v3/OS-REVOKE/events?since=2999-01-01T00:00:00Z')).json['events']).toHaveLength(0);
    expect((await call('GET', '/v3/OS-REVOKE/events?since=garbage')).status).toBe(400);
  });
});
