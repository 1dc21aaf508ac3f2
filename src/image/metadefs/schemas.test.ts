import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagListSchema } from './json-schemas.js';
import { metadefFixture, type MetadefFixture } from './test-support.js';

/**
 * testdata/glance-zed-schemas.json holds what Glance Zed serves, produced by running
 * the get_schema()/get_collection_schema() functions of glance/api/v2/metadef_*.py.
 */
const glance = JSON.parse(readFileSync(new URL('./testdata/glance-zed-schemas.json', import.meta.url), 'utf8')) as Record<string, unknown>;

let f: MetadefFixture;
beforeAll(async () => { f = await metadefFixture(); });
afterAll(async () => { await f.close(); });

describe('metadef schemas', () => {
  // The names tempest's test_images_metadefs_schema.py asserts.
  const names: Record<string, string> = {
    namespace: 'namespace', namespaces: 'namespaces', resource_type: 'resource_type_association',
    resource_types: 'resource_type_associations', object: 'object', objects: 'objects',
    property: 'property', properties: 'properties', tag: 'tag', tags: 'tags',
  };

  for (const [path, name] of Object.entries(names)) {
    it(`schemas: ${path} is Glance's document, key for key and in Glance's order`, async () => {
      const res = await f.call('b', 'GET', `/v2/schemas/metadefs/${path}`);
      expect(res.status).toBe(200);
      expect(res.json['name']).toBe(name);
      expect(res.json).toEqual(glance[path]);
      expect(JSON.stringify(res.json)).toBe(JSON.stringify(glance[path]));
    });
  }

  it('schemas: the bulk tag body is checked against Glance\'s list schema', () => {
    expect(JSON.stringify(tagListSchema())).toBe(JSON.stringify(glance['_tags_for_list']));
  });

  it('schemas: need a token', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/v2/schemas/metadefs/namespace' });
    expect(res.statusCode).toBe(401);
  });

  it('schemas: other methods are refused with 405', async () => {
    expect((await f.call('admin', 'POST', '/v2/schemas/metadefs/tag', {})).status).toBe(405);
  });
});
