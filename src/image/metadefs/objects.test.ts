import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadefFixture, namespaceMaker, PROJECT_A, type Json, type MetadefFixture } from './test-support.js';

let f: MetadefFixture;
beforeAll(async () => { f = await metadefFixture(); });
afterAll(async () => { await f.close(); });

const NS = '/v2/metadefs/namespaces';
const namespace = namespaceMaker(() => f, 'objects-ns');
const objectNames = async (ns: string) => (await f.call('admin', 'GET', `${NS}/${ns}/objects`)).json['objects'].map((o: Json) => o['name']);

describe('objects (tempest test_images_metadefs_namespace_objects)', () => {
  it('objects: create, update (rename), delete, list', async () => {
    const ns = await namespace();
    const created = await f.call('admin', 'POST', `${NS}/${ns}/objects`, { name: 'tempest-object' });
    expect(created.status).toBe(201);
    // A create answers from the request: no required or properties when none were given.
    expect(created.json).toEqual({
      name: 'tempest-object', created_at: '2026-11-22T09:00:00Z', updated_at: '2026-11-22T09:00:00Z',
      self: `${NS}/${ns}/objects/tempest-object`, schema: '/v2/schemas/metadefs/object',
    });
    const updated = await f.call('admin', 'PUT', `${NS}/${ns}/objects/tempest-object`, { name: 'update-object' });
    expect(updated.status).toBe(200);
    expect(updated.json['name']).toBe('update-object');
    expect((await f.call('admin', 'DELETE', `${NS}/${ns}/objects/update-object`)).status).toBe(204);
    expect(await objectNames(ns)).not.toContain('update-object');
  });

  it('objects: list and show', async () => {
    const ns = await namespace();
    await f.call('admin', 'POST', `${NS}/${ns}/objects`, { name: 'listed' });
    const list = await f.call('b', 'GET', `${NS}/${ns}/objects`);
    expect(list.status).toBe(200);
    expect(list.json['schema']).toBe('v2/schemas/metadefs/objects');
    expect(list.json['objects'].map((o: Json) => o['name'])).toContain('listed');
    const shown = await f.call('b', 'GET', `${NS}/${ns}/objects/listed`);
    expect(shown.status).toBe(200);
    // Reads always carry required and properties, empty when there are none.
    expect(shown.json).toEqual({
      name: 'listed', required: [], properties: {}, created_at: '2026-11-22T09:00:00Z', updated_at: '2026-11-22T09:00:00Z',
      self: `${NS}/${ns}/objects/listed`, schema: '/v2/schemas/metadefs/object',
    });
  });
});

describe('objects: rules', () => {
  it('objects: keep description, required and property definitions', async () => {
    const ns = await namespace();
    const body = { name: 'cpu', description: 'CPU limits', required: ['quota'], properties: { quota: { type: 'integer', title: 'Quota', minimum: 0, readonly: false } } };
    const created = await f.call('admin', 'POST', `${NS}/${ns}/objects`, body);
    expect(created.json).toMatchObject(body);
    const shown = (await f.call('admin', 'GET', `${NS}/${ns}/objects/cpu`)).json;
    expect(shown).toMatchObject(body);
    const replaced = await f.call('admin', 'PUT', `${NS}/${ns}/objects/cpu`, { name: 'cpu' });
    expect(replaced.json).not.toHaveProperty('description');
    expect((await f.call('admin', 'GET', `${NS}/${ns}/objects/cpu`)).json).toMatchObject({ required: [], properties: {} });
  });

  it('objects: each property of a new object must pass the property schema', async () => {
    const ns = await namespace();
    const res = await f.call('admin', 'POST', `${NS}/${ns}/objects`, { name: 'o', properties: { p: { type: 'string', title: 'P', colour: 'red' } } });
    expect([res.status, res.json['message']]).toEqual([400, "Provided object does not match schema 'property': Additional properties are not allowed ('colour' was unexpected)"]);
    const missing = await f.call('admin', 'POST', `${NS}/${ns}/objects`, { name: 'o', properties: { p: { type: 'string' } } });
    expect([missing.status, missing.json['message']]).toEqual([400, "Provided object does not match schema 'object': 'title' is a required property"]);
  });

  it('objects: duplicates are 409, missing ones 404, with Glance\'s messages', async () => {
    const ns = await namespace();
    await f.call('admin', 'POST', `${NS}/${ns}/objects`, { name: 'one' });
    await f.call('admin', 'POST', `${NS}/${ns}/objects`, { name: 'two' });
    const dup = await f.call('admin', 'POST', `${NS}/${ns}/objects`, { name: 'one' });
    expect([dup.status, dup.json['message']]).toEqual([409, `A metadata definition object with name=one already exists in namespace=${ns}.`]);
    const clash = await f.call('admin', 'PUT', `${NS}/${ns}/objects/two`, { name: 'one' });
    expect([clash.status, clash.json['message']]).toEqual([409, `Invalid update. It would result in a duplicate metadata definition object with the same name=one in namespace=${ns}.`]);
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await f.call('admin', method, `${NS}/${ns}/objects/none`);
      expect([res.status, res.json['message']]).toEqual([404, 'Could not find metadata object none']);
    }
    const noNs = await f.call('admin', 'GET', `${NS}/nope/objects`);
    expect([noNs.status, noNs.json['message']]).toEqual([404, 'Metadata definition namespace=nope was not found.']);
  });

  it('objects: a protected namespace keeps its objects; non-admins cannot write', async () => {
    const ns = await namespace({ protected: true, objects: [{ name: 'kept' }] });
    const res = await f.call('admin', 'DELETE', `${NS}/${ns}/objects/kept`);
    expect([res.status, res.json['message']]).toEqual([403, 'Metadata definition object kept is protected and cannot be deleted.']);
    const byMember = await f.call('b', 'POST', `${NS}/${ns}/objects`, { name: 'x' });
    expect([byMember.status, byMember.json['message']]).toEqual([403, 'You are not authorized to complete add_metadef_object action.']);
  });

  it('objects: read-only attributes and list parameters are checked', async () => {
    const ns = await namespace({ owner: PROJECT_A, visibility: 'private' });
    expect((await f.call('admin', 'POST', `${NS}/${ns}/objects`, { name: 'o', schema: 'x' })).json['message']).toBe("Attribute 'schema' is read-only.");
    expect((await f.call('a', 'GET', `${NS}/${ns}/objects?limit=0`)).json['message']).toBe('limit param must be positive');
    expect((await f.call('a', 'GET', `${NS}/${ns}/objects?visibility=shared&limit=3`)).status).toBe(200);
  });
});
