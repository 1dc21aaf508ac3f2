import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadefFixture, type MetadefFixture } from './test-support.js';

/**
 * Behaviour that could differ between SQLite, PostgreSQL and MariaDB. Trivial on
 * SQLite; the `db` tier runs it on the real servers (STRATUS_TEST_DATABASE_URL).
 */
let f: MetadefFixture;
beforeAll(async () => { f = await metadefFixture(); });
afterAll(async () => { await f.close(); });

const NS = '/v2/metadefs/namespaces';

describe('metadefs: database portability', () => {
  it('portability: the longest names the schemas allow fit, in 4-byte UTF-8 too', async () => {
    // Path parameters stay ASCII: the router caps them at 100 characters as sent
    // (percent-encoded), which long non-ASCII names exceed.
    const name = 'n'.repeat(80);
    const created = await f.call('admin', 'POST', NS, {
      namespace: name, display_name: 'ü'.repeat(80), tags: [{ name: '项'.repeat(80) }],
      properties: { ['🚀'.repeat(80)]: { title: 'rocket', type: 'string' } },
    });
    expect(created.status).toBe(201);
    const shown = await f.call('admin', 'GET', `${NS}/${name}`);
    expect(shown.json).toMatchObject({ namespace: name, display_name: 'ü'.repeat(80), tags: [{ name: '项'.repeat(80) }] });
    expect(Object.keys(shown.json['properties'])).toEqual(['🚀'.repeat(80)]);
    const obj = await f.call('admin', 'POST', `${NS}/${name}/objects`, { name: 'o'.repeat(80), description: 'd'.repeat(70_000) });
    expect(obj.status).toBe(201);
    expect((await f.call('admin', 'GET', `${NS}/${name}/objects/${'o'.repeat(80)}`)).json['description']).toHaveLength(70_000);
  });

  it('portability: a non-ASCII namespace name comes back percent-encoded in Location', async () => {
    const created = await f.call('admin', 'POST', NS, { namespace: 'fusée' });
    expect(created.status).toBe(201);
    expect(created.headers['location']).toBe(`${NS}/fus%C3%A9e`);
    expect(created.json['self']).toBe(`${NS}/fusée`);
  });

  it('portability: names are case- and space-sensitive (MariaDB _ci / PAD SPACE collations)', async () => {
    const ns = 'Case-Test';
    expect((await f.call('admin', 'POST', NS, { namespace: ns, visibility: 'public' })).status).toBe(201);
    expect((await f.call('admin', 'POST', NS, { namespace: 'case-test' })).status).toBe(201);
    expect((await f.call('admin', 'POST', `${NS}/${ns}/tags`, { tags: [{ name: 'Fast' }, { name: 'fast' }, { name: 'fast ' }] })).status).toBe(201);
    expect((await f.call('admin', 'GET', `${NS}/${ns}/tags?sort_key=name&sort_dir=asc`)).json['tags']).toEqual([{ name: 'Fast' }, { name: 'fast' }, { name: 'fast ' }]);
    expect((await f.call('admin', 'GET', `${NS}/${ns}/tags/FAST`)).status).toBe(404);
  });
});
