import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityFixture, type IdentityFixture } from '../test-support.js';
import { call, type Json } from './resource-test-support.js';

describe('domain configuration', () => {
  let f: IdentityFixture;
  let admin: string;
  let base: string;
  const api = (method: string, url: string, body?: unknown) => call(f, admin, method, url, body);

  beforeEach(async () => {
    f = await identityFixture();
    admin = await f.adminToken();
    const d = (await api('POST', '/v3/domains', { domain: { name: 'ldapish' } })).json['domain'] as Json;
    base = `/v3/domains/${d['id']}/config`;
  });
  afterEach(async () => f.close());

  it('create, read by group and option, update, delete; sensitive options hidden', async () => {
    const config = { identity: { driver: 'ldap' }, ldap: { url: 'ldap://x', password: 'secret' } };
    const put = await api('PUT', base, { config });
    expect(put.status).toBe(201);
    expect(put.json['config']).toEqual({ identity: { driver: 'ldap' }, ldap: { url: 'ldap://x' } });
    expect((await api('PUT', base, { config })).status).toBe(200);
    expect((await api('GET', `${base}/ldap/url`)).json['config']).toEqual({ url: 'ldap://x' });
    expect((await api('GET', `${base}/ldap/password`)).status).toBe(404);
    expect((await api('PATCH', `${base}/identity`, { config: { identity: { list_limit: 5 } } })).json['config'].identity).toEqual({ driver: 'ldap', list_limit: 5 });
    expect((await api('PATCH', `${base}/identity`, { config: { ldap: { url: 'y' } } })).status).toBe(400);
    expect((await api('PUT', base, { config: { bogus: { a: 1 } } })).status).toBe(403);
    expect((await api('DELETE', `${base}/identity/driver`)).status).toBe(204);
    expect((await api('GET', `${base}/identity/driver`)).status).toBe(404);
    expect((await api('DELETE', base)).status).toBe(204);
    expect((await api('GET', base)).status).toBe(404);
    const domain = (await api('GET', base.replace('/config', ''))).json['domain'] as Json;
    expect(Object.keys(domain).filter((k) => k.startsWith('__'))).toEqual([]);
  });

  it('defaults: whole, by group, by option', async () => {
    expect((await api('GET', '/v3/domains/config/default')).json['config']).toHaveProperty('ldap.url', 'ldap://localhost');
    expect((await api('GET', '/v3/domains/config/identity/default')).json['config']).toEqual({ identity: { driver: 'sql', list_limit: null } });
    expect((await api('GET', '/v3/domains/config/identity/driver/default')).json['config']).toEqual({ driver: 'sql' });
  });
});
