import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadefFixture, namespaceMaker, type Json, type MetadefFixture } from './test-support.js';

let f: MetadefFixture;
beforeAll(async () => { f = await metadefFixture(); });
afterAll(async () => { await f.close(); });

const NS = '/v2/metadefs/namespaces';
const namespace = namespaceMaker(() => f, 'tags-ns');
const tagNames = async (ns: string, query = '') => (await f.call('admin', 'GET', `${NS}/${ns}/tags${query}`)).json['tags'].map((t: Json) => t['name']);
const TAGS = [{ name: 'sample-tag1' }, { name: 'sample-tag2' }, { name: 'sample-tag3' }];

describe('tags (tempest test_images_metadefs_namespace_tags)', () => {
  it('tags: create in bulk, list, delete all', async () => {
    const ns = await namespace();
    const created = await f.call('admin', 'POST', `${NS}/${ns}/tags`, { tags: TAGS });
    expect([created.status, created.json]).toEqual([201, { tags: TAGS }]);
    expect((await tagNames(ns)).sort()).toEqual(['sample-tag1', 'sample-tag2', 'sample-tag3']);
    expect((await f.call('admin', 'DELETE', `${NS}/${ns}/tags`)).status).toBe(204);
    expect(await tagNames(ns)).toEqual([]);
  });

  it('tags: create one (no body), show, rename, delete', async () => {
    const ns = await namespace();
    await f.call('admin', 'POST', `${NS}/${ns}/tags`, { tags: TAGS });
    const res = await f.app.inject({ method: 'POST', url: `${NS}/${ns}/tags/tag_name-1`, headers: { 'x-test-caller': 'admin', 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ name: 'tag_name-1', created_at: '2026-11-22T09:00:00Z', updated_at: '2026-11-22T09:00:00Z' });
    const shown = await f.call('admin', 'GET', `${NS}/${ns}/tags/tag_name-1`);
    expect([shown.status, shown.json['name']]).toEqual([200, 'tag_name-1']);
    const updated = await f.call('admin', 'PUT', `${NS}/${ns}/tags/tag_name-1`, { name: 'update-tag' });
    expect([updated.status, updated.json['name']]).toEqual([200, 'update-tag']);
    expect((await f.call('admin', 'DELETE', `${NS}/${ns}/tags/update-tag`)).status).toBe(204);
    expect(await tagNames(ns)).not.toContain('update-tag');
  });
});

describe('tags: rules', () => {
  it('tags: a bulk create replaces the tags unless X-Openstack-Append says to add', async () => {
    const ns = await namespace({ tags: [{ name: 'old' }] });
    await f.call('admin', 'POST', `${NS}/${ns}/tags`, { tags: [{ name: 'new' }] });
    expect(await tagNames(ns)).toEqual(['new']);
    await f.call('admin', 'POST', `${NS}/${ns}/tags`, { tags: [{ name: 'more' }] }, { 'x-openstack-append': 'True' });
    expect((await tagNames(ns)).sort()).toEqual(['more', 'new']);
    // An empty list changes nothing, not even the replacing delete.
    expect((await f.call('admin', 'POST', `${NS}/${ns}/tags`, { tags: [] })).json).toEqual({ tags: [] });
    expect((await tagNames(ns)).sort()).toEqual(['more', 'new']);
  });

  it('tags: a duplicate in a bulk create is a 409 that leaves the old tags', async () => {
    const ns = await namespace({ tags: [{ name: 'old' }] });
    const res = await f.call('admin', 'POST', `${NS}/${ns}/tags`, { tags: [{ name: 'x' }, { name: 'x' }] });
    expect([res.status, res.json['message']]).toEqual([409, `A metadata tag with name=x already exists in namespace=${ns}. (Please note that metadata tag names are case insensitive).`]);
    expect(await tagNames(ns)).toEqual(['old']);
    const appended = await f.call('admin', 'POST', `${NS}/${ns}/tags`, { tags: [{ name: 'old' }] }, { 'x-openstack-append': 'yes' });
    expect(appended.status).toBe(409);
  });

  it('tags: list sorts and pages by marker and limit', async () => {
    const ns = await namespace();
    for (const name of ['b', 'c', 'a']) {
      f.clock.advance(1000);
      await f.call('admin', 'POST', `${NS}/${ns}/tags/${name}`);
    }
    expect(await tagNames(ns)).toEqual(['a', 'c', 'b']);
    expect(await tagNames(ns, '?sort_key=name&sort_dir=asc')).toEqual(['a', 'b', 'c']);
    expect(await tagNames(ns, '?sort_key=name&sort_dir=asc&marker=a&limit=1')).toEqual(['b']);
    expect(await tagNames(ns, '?limit=0')).toEqual([]);
    const badMarker = await f.call('admin', 'GET', `${NS}/${ns}/tags?marker=zz`);
    expect([badMarker.status, badMarker.json['message']]).toEqual([404, 'Could not find metadata tag zz']);
    expect((await f.call('admin', 'GET', `${NS}/${ns}/tags?sort_dir=sideways`)).json['message']).toBe('Invalid sort direction: sideways');
  });

  it('tags: validation, duplicates and protection', async () => {
    const ns = await namespace({ protected: true, tags: [{ name: 'kept' }, { name: 'other' }] });
    const long = 't'.repeat(81);
    const tooLong = await f.call('admin', 'POST', `${NS}/${ns}/tags/${long}`);
    expect([tooLong.status, tooLong.json['message']]).toEqual([400, `Provided object does not match schema 'tag': '${long}' is too long`]);
    const bulkLong = await f.call('admin', 'POST', `${NS}/${ns}/tags`, { tags: [{ name: long }] });
    expect(bulkLong.status).toBe(400);
    const bulkBad = await f.call('admin', 'POST', `${NS}/${ns}/tags`, { tags: [{ name: 'x', colour: 'red' }] });
    expect(bulkBad.json['message']).toBe("Provided object does not match schema 'tags': Additional properties are not allowed ('colour' was unexpected)");
    const withBody = await f.call('admin', 'POST', `${NS}/${ns}/tags/new`, { name: 'new' });
    expect([withBody.status, withBody.json['message']]).toEqual([400, 'A body is not expected with this request.']);
    const dup = await f.call('admin', 'POST', `${NS}/${ns}/tags/kept`);
    expect(dup.status).toBe(409);
    const clash = await f.call('admin', 'PUT', `${NS}/${ns}/tags/other`, { name: 'kept' });
    expect(clash.status).toBe(409);
    const kept = await f.call('admin', 'DELETE', `${NS}/${ns}/tags/kept`);
    expect([kept.status, kept.json['message']]).toEqual([403, 'Metadata definition tag kept is protected and cannot be deleted.']);
    const missing = await f.call('admin', 'GET', `${NS}/${ns}/tags/none`);
    expect([missing.status, missing.json['message']]).toEqual([404, 'Could not find metadata tag none']);
    const member = await f.call('b', 'POST', `${NS}/${ns}/tags/new`);
    expect([member.status, member.json['message']]).toEqual([403, 'You are not authorized to complete add_metadef_tag action.']);
    const memberBulkDelete = await f.call('b', 'DELETE', `${NS}/${ns}/tags`);
    expect([memberBulkDelete.status, memberBulkDelete.json['message']]).toEqual([403, 'You are not authorized to complete delete_metadef_namespace action.']);
  });
});
