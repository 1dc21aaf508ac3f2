import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED_RESOURCE_TYPES } from './migration.js';
import { metadefFixture, namespaceMaker, PROJECT_A, type Json, type MetadefFixture } from './test-support.js';

let f: MetadefFixture;
beforeAll(async () => { f = await metadefFixture(); });
afterAll(async () => { await f.close(); });

const NS = '/v2/metadefs/namespaces';
const namespace = namespaceMaker(() => f, 'rt-ns');
const associated = async (ns: string) => (await f.call('admin', 'GET', `${NS}/${ns}/resource_types`)).json['resource_type_associations'].map((a: Json) => a['name']);

describe('resource types (tempest test_basic_meta_def_resource_type_association)', () => {
  it('resource types: associate, list, dissociate', async () => {
    const resourceName = (await f.call('admin', 'GET', '/v2/metadefs/resource_types')).json['resource_types'][0]['name'] as string;
    const ns = await namespace();
    const created = await f.call('admin', 'POST', `${NS}/${ns}/resource_types`, { name: resourceName });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ name: resourceName, created_at: '2026-11-22T09:00:00Z', updated_at: '2026-11-22T09:00:00Z' });
    expect(await associated(ns)).toContain(resourceName);
    expect((await f.call('admin', 'DELETE', `${NS}/${ns}/resource_types/${resourceName}`)).status).toBe(204);
    expect(await associated(ns)).not.toContain(resourceName);
  });
});

describe('resource types: rules', () => {
  it('resource types: the catalogue\'s types are there from the start, seeded order first', async () => {
    const res = await f.call('b', 'GET', '/v2/metadefs/resource_types');
    expect(res.status).toBe(200);
    const types = res.json['resource_types'] as Json[];
    expect(types.slice(0, SEEDED_RESOURCE_TYPES.length).map((t) => t['name'])).toEqual([...SEEDED_RESOURCE_TYPES]);
    // Seeded rows have no update time, as Glance's loader leaves them.
    expect(Object.keys(types[0]!)).toEqual(['name', 'created_at']);
    expect(types[0]!['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('resource types: associating an unknown type creates it; the type outlives the association', async () => {
    const ns = await namespace();
    const res = await f.call('admin', 'POST', `${NS}/${ns}/resource_types`, { name: 'OS::Custom::Thing', prefix: 'thing_', properties_target: 'metadata' });
    expect(res.json).toMatchObject({ name: 'OS::Custom::Thing', prefix: 'thing_', properties_target: 'metadata' });
    await f.call('admin', 'DELETE', `${NS}/${ns}/resource_types/OS::Custom::Thing`);
    const names = (await f.call('admin', 'GET', '/v2/metadefs/resource_types')).json['resource_types'].map((t: Json) => t['name']);
    expect(names).toContain('OS::Custom::Thing');
  });

  it('resource types: duplicates, missing associations, protection and policy', async () => {
    const ns = await namespace({ protected: true, resource_type_associations: [{ name: 'OS::Glance::Image' }] });
    const dup = await f.call('admin', 'POST', `${NS}/${ns}/resource_types`, { name: 'OS::Glance::Image' });
    expect([dup.status, dup.json['message']]).toEqual([409, `The metadata definition resource-type association of resource-type=OS::Glance::Image to namespace=${ns} already exists.`]);
    const missing = await f.call('admin', 'DELETE', `${NS}/${ns}/resource_types/OS::Nova::Server`);
    expect([missing.status, missing.json['message']]).toEqual([404, 'Failed to find resource type OS::Nova::Server to delete']);
    const kept = await f.call('admin', 'DELETE', `${NS}/${ns}/resource_types/OS::Glance::Image`);
    expect([kept.status, kept.json['message']]).toEqual([403, 'Metadata definition resource-type-association OS::Glance::Image is protected and cannot be deleted.']);
    const bad = await f.call('admin', 'POST', `${NS}/${ns}/resource_types`, { name: 'x', colour: 'red' });
    expect(bad.json['message']).toBe("Provided object does not match schema 'resource_type_association': Additional properties are not allowed ('colour' was unexpected)");
    const member = await f.call('b', 'POST', `${NS}/${ns}/resource_types`, { name: 'OS::Nova::Server' });
    expect([member.status, member.json['message']]).toEqual([403, 'You are not authorized to complete add_metadef_resource_type_association action.']);
    expect((await f.call('noRoleA', 'GET', '/v2/metadefs/resource_types')).status).toBe(404);
  });

  it('resource types: a private namespace\'s associations are its project\'s to read', async () => {
    const ns = await namespace({ owner: PROJECT_A, visibility: 'private', resource_type_associations: [{ name: 'OS::Nova::Server' }] });
    expect((await f.call('a', 'GET', `${NS}/${ns}/resource_types`)).json['resource_type_associations']).toHaveLength(1);
    const other = await f.call('b', 'GET', `${NS}/${ns}/resource_types`);
    expect([other.status, other.json['message']]).toEqual([404, `Namespace ${ns} not found`]);
  });
});
