import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityFixture, type IdentityFixture } from '../test-support.js';
import { call, type Json } from './resource-test-support.js';

describe('credentials', () => {
  let f: IdentityFixture;
  let admin: string;
  let demo: string;
  let demoId: string;
  let projectId: string;
  const api = (method: string, url: string, body?: unknown) => call(f, admin, method, url, body);

  beforeEach(async () => {
    f = await identityFixture();
    admin = await f.adminToken();
    demo = await f.tokenFor('demo', 'demo-secret', 'demo');
    demoId = (await api('GET', '/v3/users?name=demo')).json['users'][0]['id'] as string;
    projectId = (await api('GET', '/v3/projects?name=demo')).json['projects'][0]['id'] as string;
  });
  afterEach(async () => f.close());

  it('ec2 credential: id is sha256(access), update keeps the id, delete removes it', async () => {
    const blob = JSON.stringify({ access: 'AK1', secret: 'S1' });
    const res = await api('POST', '/v3/credentials', { credential: { user_id: demoId, project_id: projectId, type: 'ec2', blob } });
    expect(res.status).toBe(201);
    const cred = res.json['credential'] as Json;
    expect(cred).toMatchObject({ id: createHash('sha256').update('AK1').digest('hex'), user_id: demoId, project_id: projectId, type: 'ec2', blob });
    const upd = await api('PATCH', `/v3/credentials/${cred['id']}`, { credential: { blob: JSON.stringify({ access: 'AK2', secret: 'S2' }), type: 'ec2' } });
    expect(upd.status).toBe(200);
    expect(JSON.parse(upd.json['credential'].blob)).toEqual({ access: 'AK2', secret: 'S2' });
    expect((await api('GET', `/v3/credentials/${cred['id']}`)).json['credential']).toEqual(upd.json['credential']);
    expect((await api('POST', '/v3/credentials', { credential: { user_id: demoId, project_id: projectId, type: 'ec2', blob } })).status).toBe(409);
    expect((await api('DELETE', `/v3/credentials/${cred['id']}`)).status).toBe(204);
    expect((await api('GET', `/v3/credentials/${cred['id']}`)).status).toBe(404);
  });

  it('validation: bad ec2 blob, missing fields', async () => {
    expect((await api('POST', '/v3/credentials', { credential: { user_id: demoId, project_id: projectId, type: 'ec2', blob: 'not json' } })).status).toBe(400);
    expect((await api('POST', '/v3/credentials', { credential: { user_id: demoId, project_id: projectId, type: 'ec2', blob: '{"secret":"x"}' } })).status).toBe(400);
    expect((await api('POST', '/v3/credentials', { credential: { user_id: demoId, type: 'ec2', blob: '{"access":"x"}' } })).status).toBe(400);
    expect((await api('POST', '/v3/credentials', { credential: { type: 'totp', blob: 'x' } })).status).toBe(400);
  });

  it('list: filters, and a user sees only its own credentials', async () => {
    const mine = (await call(f, demo, 'POST', '/v3/credentials', { credential: { user_id: demoId, type: 'totp', blob: 'seed' } })).json['credential'] as Json;
    const adminId = (await api('GET', '/v3/users?name=admin')).json['users'][0]['id'] as string;
    const theirs = (await api('POST', '/v3/credentials', { credential: { user_id: adminId, type: 'cert', blob: 'pem' } })).json['credential'] as Json;
    expect((await call(f, demo, 'GET', '/v3/credentials')).json['credentials'].map((c: Json) => c['id'])).toEqual([mine['id']]);
    expect((await api('GET', '/v3/credentials?type=cert')).json['credentials'].map((c: Json) => c['id'])).toEqual([theirs['id']]);
    expect((await call(f, demo, 'GET', `/v3/credentials/${theirs['id']}`)).status).toBe(403);
    expect((await call(f, demo, 'POST', '/v3/credentials', { credential: { user_id: adminId, type: 'x', blob: 'y' } })).status).toBe(403);
  });

  it('OS-EC2: a user creates, lists, shows and deletes its own pairs', async () => {
    const base = `/v3/users/${demoId}/credentials/OS-EC2`;
    const res = await call(f, demo, 'POST', base, { tenant_id: projectId });
    expect(res.status).toBe(201);
    const c = res.json['credential'] as Json;
    expect(c).toMatchObject({ user_id: demoId, tenant_id: projectId, trust_id: null });
    expect(c['access']).toMatch(/^[0-9a-f]{32}$/);
    expect(c['secret']).toMatch(/^[0-9a-f]{32}$/);
    expect((await call(f, demo, 'GET', base)).json['credentials'].map((x: Json) => x['access'])).toEqual([c['access']]);
    const shown = (await call(f, demo, 'GET', `${base}/${c['access']}`)).json['credential'] as Json;
    expect(shown).toEqual(c);
    expect((await api('GET', `/v3/credentials/${createHash('sha256').update(c['access']).digest('hex')}`)).json['credential'].type).toBe('ec2');
    expect((await call(f, demo, 'POST', base, { tenant_id: 'nope' })).status).toBe(404);
    const adminId = (await api('GET', '/v3/users?name=admin')).json['users'][0]['id'] as string;
    expect((await call(f, demo, 'GET', `/v3/users/${adminId}/credentials/OS-EC2`)).status).toBe(403);
    expect((await call(f, demo, 'DELETE', `${base}/${c['access']}`)).status).toBe(204);
    expect((await call(f, demo, 'GET', `${base}/${c['access']}`)).status).toBe(404);
  });
});
