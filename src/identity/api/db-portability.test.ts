import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityFixture, type IdentityFixture } from '../test-support.js';
import { call, type Json } from './resource-test-support.js';

/**
 * Regressions for behaviour that differed between SQLite, PostgreSQL and MariaDB. They
 * pass trivially on SQLite; the `db` test tier runs them on the real servers
 * (STRATUS_TEST_DATABASE_URL), where each one failed before its fix in store/.
 */
describe('database portability', () => {
  let f: IdentityFixture;
  let admin: string;
  const api = (method: string, url: string, body?: unknown) => call(f, admin, method, url, body);
  const names = (list: Json[]) => list.map((x) => x['name'] as string).sort();

  beforeEach(async () => {
    f = await identityFixture();
    admin = await f.adminToken();
  });
  afterEach(async () => f.close());

  it('names are case-sensitive: Alice and alice are two users, projects, groups and roles (MariaDB _ci collation)', async () => {
    for (const [path, key] of [['users', 'user'], ['projects', 'project'], ['groups', 'group'], ['roles', 'role']] as const) {
      expect((await api('POST', `/v3/${path}`, { [key]: { name: 'Alice', password: 'pw-upper' } })).status).toBe(201);
      expect((await api('POST', `/v3/${path}`, { [key]: { name: 'alice', password: 'pw-lower' } })).status).toBe(201);
      expect(names((await api('GET', `/v3/${path}?name=alice`)).json[path])).toEqual(['alice']);
      expect((await api('GET', `/v3/${path}?name=ALICE`)).json[path]).toEqual([]);
    }
    // Authentication by name finds exactly the user with that spelling.
    await expect(f.tokenFor('Alice', 'pw-upper')).resolves.toBeTypeOf('string');
    await expect(f.tokenFor('alice', 'pw-lower')).resolves.toBeTypeOf('string');
    await expect(f.tokenFor('ALICE', 'pw-lower')).rejects.toThrow(/401/);
  });

  it('trailing spaces are significant in comparisons (MariaDB PAD SPACE collations)', async () => {
    expect((await api('POST', '/v3/users', { user: { name: 'bob' } })).status).toBe(201);
    expect((await api('GET', '/v3/users?name=bob%20')).json['users']).toEqual([]);
    // Two access rules differing only in a trailing space are two rules, not one shared.
    const demo = (await api('GET', '/v3/users?name=demo')).json['users'][0] as Json;
    const demoToken = await f.tokenFor('demo', 'demo-secret', 'demo');
    const paths = ['/v2.1/servers', '/v2.1/servers '];
    const cred = await call(f, demoToken, 'POST', `/v3/users/${demo['id']}/application_credentials`, {
      application_credential: { name: 'spaces', access_rules: paths.map((path) => ({ service: 'compute', path, method: 'GET' })) },
    });
    expect(cred.status).toBe(201);
    expect(cred.json['application_credential']['access_rules'].map((r: Json) => r['path']).sort()).toEqual(paths);
  });

  it('non-ASCII names, including 4-byte UTF-8, round-trip and filter (MariaDB latin1 / utf8mb3 defaults)', async () => {
    for (const name of ['Jürgen', '项目', 'rocket 🚀']) {
      const res = await api('POST', '/v3/projects', { project: { name, tags: [`t-${name}`] } });
      expect(res.status).toBe(201);
      expect(res.json['project']).toMatchObject({ name, tags: [`t-${name}`] });
      expect(names((await api('GET', `/v3/projects?name=${encodeURIComponent(name)}`)).json['projects'])).toEqual([name]);
    }
  });

  it('blobs and extra attributes beyond 64 KiB are stored whole (MariaDB TEXT limit)', async () => {
    const big = 'x'.repeat(90_000);
    const policy = await api('POST', '/v3/policies', { policy: { type: 'application/json', blob: big } });
    expect(policy.status).toBe(201);
    expect((await api('GET', `/v3/policies/${policy.json['policy']['id']}`)).json['policy']['blob']).toHaveLength(big.length);
    const user = await api('POST', '/v3/users', { user: { name: 'wide', note: big } });
    expect(user.status).toBe(201);
    expect((await api('GET', `/v3/users/${user.json['user']['id']}`)).json['user']['note']).toHaveLength(big.length);
  });

  it('every length the API schema accepts fits its column: 255-character group names, 225-character access rule paths', async () => {
    const long = 'g'.repeat(255);
    const group = await api('POST', '/v3/groups', { group: { name: long } });
    expect(group.status).toBe(201);
    expect(group.json['group']['name']).toBe(long);
    const demo = (await api('GET', '/v3/users?name=demo')).json['users'][0] as Json;
    const demoToken = await f.tokenFor('demo', 'demo-secret', 'demo');
    const path = `/${'p'.repeat(224)}`;
    const cred = await call(f, demoToken, 'POST', `/v3/users/${demo['id']}/application_credentials`, {
      application_credential: { name: 'long-rule', access_rules: [{ service: 'compute', path, method: 'GET' }] },
    });
    expect(cred.status).toBe(201);
    expect(cred.json['application_credential']['access_rules'][0]['path']).toBe(path);
  });
});
