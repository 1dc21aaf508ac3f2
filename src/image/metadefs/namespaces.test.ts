import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadefFixture, PROJECT_A, ADMIN_PROJECT, type Json, type MetadefFixture } from './test-support.js';

let f: MetadefFixture;
beforeAll(async () => { f = await metadefFixture(); });
afterAll(async () => { await f.close(); });

const NS = '/v2/metadefs/namespaces';
let seq = 0;
const unique = (base: string) => `${base}-${++seq}`;

async function create(body: Json): Promise<Json> {
  const res = await f.call('admin', 'POST', NS, body);
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json;
}

describe('namespaces (tempest test_basic_metadata_definition_namespaces)', () => {
  it('namespaces: create, list, show, refuse to delete while protected, update, delete', async () => {
    const types = await f.call('admin', 'GET', '/v2/metadefs/resource_types');
    const resourceName = types.json['resource_types'][0]['name'] as string;
    const name = unique('tempest-namespace');
    const created = await f.call('admin', 'POST', NS, {
      namespace: name, visibility: 'public', description: 'Tempest', display_name: name,
      resource_type_associations: [{ name: resourceName }], protected: true,
    });
    expect(created.status).toBe(201);
    expect(created.headers['location']).toBe(`${NS}/${name}`);
    expect(created.json).toEqual({
      namespace: name, display_name: name, description: 'Tempest', visibility: 'public', protected: true, owner: ADMIN_PROJECT,
      created_at: '2026-11-22T09:00:00Z', updated_at: '2026-11-22T09:00:00Z',
      resource_type_associations: [{ name: resourceName }],
      self: `${NS}/${name}`, schema: '/v2/schemas/metadefs/namespace',
    });

    const list = await f.call('admin', 'GET', NS);
    expect(list.status).toBe(200);
    expect(list.json['namespaces'].map((n: Json) => n['namespace'])).toContain(name);

    const shown = await f.call('admin', 'GET', `${NS}/${name}`);
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ namespace: name, visibility: 'public' });

    const refused = await f.call('admin', 'DELETE', `${NS}/${name}`);
    expect(refused.status).toBe(403);
    expect(refused.json['message']).toBe(`Metadata definition namespace ${name} is protected and cannot be deleted.`);

    f.clock.advance(60_000);
    const updated = await f.call('admin', 'PUT', `${NS}/${name}`, { namespace: name, description: 'Tempest', visibility: 'private', display_name: name, protected: false });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ visibility: 'private', protected: false, updated_at: '2026-11-22T09:01:00Z', created_at: '2026-11-22T09:00:00Z' });

    expect((await f.call('admin', 'DELETE', `${NS}/${name}`)).status).toBe(204);
    const gone = await f.call('admin', 'GET', `${NS}/${name}`);
    expect(gone.status).toBe(404);
    expect(gone.json['message']).toBe(`Metadata definition namespace=${name} was not found.`);
  });
});

describe('namespaces: create', () => {
  it('create: fills Glance defaults (private, unprotected, owned by the caller) and leaves out unset fields', async () => {
    const name = unique('defaults');
    expect(await create({ namespace: name })).toEqual({
      namespace: name, visibility: 'private', protected: false, owner: ADMIN_PROJECT,
      created_at: '2026-11-22T09:01:00Z', updated_at: '2026-11-22T09:01:00Z', self: `${NS}/${name}`, schema: '/v2/schemas/metadefs/namespace',
    });
  });

  it('create: a namespace with all its contents answers with them as given and shows them stored', async () => {
    const name = unique('full');
    const body = {
      namespace: name, owner: PROJECT_A, visibility: 'public',
      resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'hw_' }, { name: 'OS::Nova::Flavor', prefix: 'hw:', properties_target: 'image' }],
      properties: { cpu_policy: { title: 'CPU policy', type: 'string', enum: ['shared', 'dedicated'], required: ['ignored'] } },
      objects: [{ name: 'topology', required: ['sockets'], properties: { sockets: { title: 'Sockets', type: 'integer', minimum: 1 } } }],
      tags: [{ name: 'fast' }, { name: 'slow' }],
    };
    const created = await create(body);
    expect(created).toMatchObject({
      owner: PROJECT_A,
      resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'hw_' }, { name: 'OS::Nova::Flavor', prefix: 'hw:', properties_target: 'image' }],
      // Glance keeps only the PropertyType fields: the property's "required" is gone.
      properties: { cpu_policy: { type: 'string', title: 'CPU policy', enum: ['shared', 'dedicated'] } },
      objects: [{ name: 'topology', required: ['sockets'], properties: { sockets: { type: 'integer', title: 'Sockets', minimum: 1 } } }],
      tags: [{ name: 'fast' }, { name: 'slow' }],
    });
    expect(created['properties']['cpu_policy']).not.toHaveProperty('required');

    const shown = (await f.call('b', 'GET', `${NS}/${name}`)).json;
    expect(shown['resource_type_associations']).toEqual([
      { name: 'OS::Glance::Image', prefix: 'hw_', created_at: '2026-11-22T09:01:00Z', updated_at: '2026-11-22T09:01:00Z' },
      { name: 'OS::Nova::Flavor', prefix: 'hw:', properties_target: 'image', created_at: '2026-11-22T09:01:00Z', updated_at: '2026-11-22T09:01:00Z' },
    ]);
    expect(shown['properties']).toEqual({ cpu_policy: { type: 'string', title: 'CPU policy', enum: ['shared', 'dedicated'] } });
    expect(shown['objects']).toEqual([{
      name: 'topology', required: ['sockets'], properties: { sockets: { type: 'integer', title: 'Sockets', minimum: 1 } },
      created_at: '2026-11-22T09:01:00Z', updated_at: '2026-11-22T09:01:00Z',
      self: `${NS}/${name}/objects/topology`, schema: '/v2/schemas/metadefs/object',
    }]);
    expect(shown['tags'].map((t: Json) => t['name']).sort()).toEqual(['fast', 'slow']);
    expect(shown['tags'][0]).toEqual({ name: expect.any(String) });

    // ?resource_type= shows names as they apply to that resource type.
    const asFlavor = (await f.call('b', 'GET', `${NS}/${name}?resource_type=OS::Nova::Flavor`)).json;
    expect(Object.keys(asFlavor['properties'])).toEqual(['hw:cpu_policy']);
    expect(asFlavor['objects'][0]).toMatchObject({ required: ['hw:sockets'], properties: { 'hw:sockets': { type: 'integer' } } });
    const unrelated = (await f.call('b', 'GET', `${NS}/${name}?resource_type=OS::Cinder::Volume`)).json;
    expect(Object.keys(unrelated['properties'])).toEqual(['cpu_policy']);
  });

  it('create: nothing is left behind when a part conflicts (two objects of one name)', async () => {
    const name = unique('atomic');
    const res = await f.call('admin', 'POST', NS, { namespace: name, objects: [{ name: 'o' }, { name: 'o' }] });
    expect(res.status).toBe(409);
    expect(res.json['message']).toBe(`A metadata definition object with name=o already exists in namespace=${name}.`);
    expect((await f.call('admin', 'GET', `${NS}/${name}`)).status).toBe(404);
  });

  it('create: a taken name is a 409', async () => {
    const name = unique('taken');
    await create({ namespace: name });
    const res = await f.call('admin', 'POST', NS, { namespace: name });
    expect(res.status).toBe(409);
    expect(res.json['message']).toBe(`The metadata definition namespace=${name} already exists.`);
  });

  it('create: only admins may create (403 for a member, 404 for a user who cannot even read)', async () => {
    const res = await f.call('a', 'POST', NS, { namespace: unique('by-member') });
    expect(res.status).toBe(403);
    expect(res.json['message']).toBe('You are not authorized to complete add_metadef_namespace action.');
    expect((await f.call('noRoleA', 'POST', NS, { namespace: unique('by-nobody') })).status).toBe(404);
  });

  it('create: validates the body as Glance does', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{}, 400, "Provided object does not match schema 'namespace': 'namespace' is a required property"],
      [{ namespace: 'x', colour: 'red' }, 400, "Provided object does not match schema 'namespace': Additional properties are not allowed ('colour' was unexpected)"],
      [{ namespace: 'x', visibility: 'shared' }, 400, "Provided object does not match schema 'namespace': 'shared' is not one of ['public', 'private']"],
      [{ namespace: 'x', protected: 'yes' }, 400, "Provided object does not match schema 'namespace': 'yes' is not of type 'boolean'"],
      [{ namespace: 'n'.repeat(81) }, 400, `Provided object does not match schema 'namespace': '${'n'.repeat(81)}' is too long`],
      [{ namespace: 'x', properties: { p: { type: 'string' } } }, 400, "Provided object does not match schema 'namespace': 'title' is a required property"],
      [{ namespace: 'x', created_at: 'now' }, 403, "Attribute 'created_at' is read-only."],
      [{ namespace: 'x', self: '/x' }, 403, "Attribute 'self' is read-only."],
      [['x'], 400, "Provided object does not match schema 'namespace': ['x'] is not of type 'object'"],
      [{ namespace: 'x', objects: [{ description: 'no name' }] }, 400, "Invalid input for field/attribute name. Value: 'None'. Mandatory field missing."],
    ];
    for (const [body, status, message] of cases) {
      const res = await f.call('admin', 'POST', NS, body);
      expect([res.status, res.json['message']], JSON.stringify(body)).toEqual([status, message]);
    }
    const empty = await f.app.inject({ method: 'POST', url: NS, headers: { 'x-test-caller': 'admin' } });
    expect([empty.statusCode, empty.json()['message']]).toEqual([400, 'Body expected in request.']);
  });
});

describe('namespaces: visibility', () => {
  let privateA: string;
  let publicA: string;
  beforeAll(async () => {
    privateA = unique('private-a');
    publicA = unique('public-a');
    await create({ namespace: privateA, owner: PROJECT_A });
    await create({ namespace: publicA, owner: PROJECT_A, visibility: 'public' });
  });

  it('visibility: a private namespace is seen by its project and admins, hidden from others', async () => {
    expect((await f.call('a', 'GET', `${NS}/${privateA}`)).status).toBe(200);
    expect((await f.call('readerA', 'GET', `${NS}/${privateA}`)).status).toBe(200);
    expect((await f.call('admin', 'GET', `${NS}/${privateA}`)).status).toBe(200);
    const hidden = await f.call('b', 'GET', `${NS}/${privateA}`);
    expect([hidden.status, hidden.json['message']]).toEqual([404, 'The resource could not be found.']);
    // Every route under it hides it the same way, writes included.
    for (const [method, path] of [['GET', '/objects'], ['GET', '/properties'], ['GET', '/tags'], ['GET', '/resource_types'], ['DELETE', ''], ['DELETE', '/tags']] as const) {
      const res = await f.call('b', method, `${NS}/${privateA}${path}`);
      expect([res.status, res.json['message']], `${method} ${path}`).toEqual([404, `Namespace ${privateA} not found`]);
    }
    const objects = await f.call('b', 'GET', `${NS}/${privateA}/objects/x`);
    expect([objects.status, objects.json['message']]).toEqual([404, `Namespace ${privateA} not found`]);
  });

  it('visibility: listings show a project its own namespaces and public ones', async () => {
    const seenBy = async (who: 'a' | 'b' | 'admin') => (await f.call(who, 'GET', `${NS}?limit=1000`)).json['namespaces'].map((n: Json) => n['namespace']);
    expect(await seenBy('a')).toEqual(expect.arrayContaining([privateA, publicA]));
    expect(await seenBy('b')).toContain(publicA);
    expect(await seenBy('b')).not.toContain(privateA);
    expect(await seenBy('admin')).toContain(privateA);
  });

  it('visibility: a user without a role in the owning project sees nothing, even its own project\'s', async () => {
    expect((await f.call('noRoleA', 'GET', `${NS}/${privateA}`)).status).toBe(404);
    const list = await f.call('noRoleA', 'GET', NS);
    expect([list.status, list.json['message']]).toEqual([404, 'The resource could not be found.']);
  });

  it('visibility: the owner may read but not change its namespace (writes are for admins)', async () => {
    const res = await f.call('a', 'PUT', `${NS}/${privateA}`, { namespace: privateA, description: 'mine' });
    expect([res.status, res.json['message']]).toEqual([403, 'You are not authorized to complete modify_metadef_namespace action.']);
    const del = await f.call('a', 'DELETE', `${NS}/${privateA}`);
    expect([del.status, del.json['message']]).toEqual([403, 'You are not authorized to complete delete_metadef_namespace action.']);
  });
});

describe('namespaces: list', () => {
  const names: string[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      f.clock.advance(1000);
      const name = unique(`page-${i}`);
      names.push(name);
      await create({ namespace: name, visibility: 'public', resource_type_associations: [{ name: 'OS::Trove::Instance', prefix: 'trove_' }] });
    }
  });

  it('list: pages newest first with limit, marker, next and first links', async () => {
    const first = await f.call('b', 'GET', `${NS}?resource_types=OS::Trove::Instance&limit=2`);
    expect(first.status).toBe(200);
    expect(first.json['namespaces'].map((n: Json) => n['namespace'])).toEqual([names[2], names[1]]);
    expect(first.json['first']).toBe(`${NS}?resource_types=OS%3A%3ATrove%3A%3AInstance&limit=2`);
    expect(first.json['next']).toBe(`${NS}?resource_types=OS%3A%3ATrove%3A%3AInstance&limit=2&marker=${names[1]}`);
    expect(first.json['schema']).toBe('/v2/schemas/metadefs/namespaces');
    expect(first.json['namespaces'][0]['resource_type_associations']).toEqual([
      { name: 'OS::Trove::Instance', prefix: 'trove_', created_at: expect.any(String), updated_at: expect.any(String) },
    ]);

    const second = await f.call('b', 'GET', first.json['next'] as string);
    expect(second.json['namespaces'].map((n: Json) => n['namespace'])).toEqual([names[0]]);
    expect(second.json).not.toHaveProperty('next');
    expect(second.json['first']).toBe(`${NS}?resource_types=OS%3A%3ATrove%3A%3AInstance&limit=2`);
  });

  it('list: sorts by any column in either direction', async () => {
    const asc = await f.call('b', 'GET', `${NS}?resource_types=OS::Trove::Instance&sort_key=namespace&sort_dir=asc`);
    expect(asc.json['namespaces'].map((n: Json) => n['namespace'])).toEqual([...names].sort());
    expect((await f.call('b', 'GET', `${NS}?sort_key=colour`)).status).toBe(400);
  });

  it('list: filters by visibility and by several resource types', async () => {
    const priv = await f.call('admin', 'GET', `${NS}?visibility=private&limit=1000`);
    expect(priv.json['namespaces'].every((n: Json) => n['visibility'] === 'private')).toBe(true);
    const either = await f.call('b', 'GET', `${NS}?resource_types=OS::Trove::Instance,OS::Unknown`);
    expect(either.json['namespaces']).toHaveLength(3);
    expect((await f.call('b', 'GET', `${NS}?resource_types=OS::Unknown`)).json['namespaces']).toEqual([]);
  });

  it('list: refuses bad parameters with Glance\'s messages', async () => {
    const cases: Array<[string, string]> = [
      ['visibility=shared', 'Invalid visibility value: shared'],
      ['sort_dir=up', 'Invalid sort direction: up'],
      ['limit=-1', 'limit param must be positive'],
      ['limit=ten', 'limit param must be an integer'],
    ];
    for (const [query, message] of cases) {
      const res = await f.call('b', 'GET', `${NS}?${query}`);
      expect([res.status, res.json['message']], query).toEqual([400, message]);
    }
  });

  it('list: an unknown marker is a 404, an invisible one a 403', async () => {
    const missing = await f.call('b', 'GET', `${NS}?marker=nope`);
    expect([missing.status, missing.json['message']]).toEqual([404, 'Metadata definition namespace=nope was not found.']);
    const hidden = unique('hidden-marker');
    await create({ namespace: hidden, owner: PROJECT_A });
    const res = await f.call('b', 'GET', `${NS}?marker=${hidden}`);
    expect([res.status, res.json['message']]).toEqual([403, `Forbidding request, metadata definition namespace=${hidden} is not visible.`]);
  });
});

describe('namespaces: update and delete', () => {
  it('update: renames, keeping the contents, and replaces unset fields with defaults', async () => {
    const name = unique('old');
    await create({ namespace: name, display_name: 'Old', visibility: 'public', protected: true, tags: [{ name: 't' }], owner: PROJECT_A });
    const renamed = unique('new');
    const res = await f.call('admin', 'PUT', `${NS}/${name}`, { namespace: renamed });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ namespace: renamed, visibility: 'private', protected: false, owner: ADMIN_PROJECT, self: `${NS}/${renamed}` });
    expect(res.json).not.toHaveProperty('display_name');
    expect((await f.call('admin', 'GET', `${NS}/${renamed}`)).json['tags']).toEqual([{ name: 't' }]);
    expect((await f.call('admin', 'GET', `${NS}/${name}`)).status).toBe(404);
  });

  it('update: onto a taken name is a 409; a missing namespace a 404', async () => {
    const a = unique('ua');
    const b = unique('ub');
    await create({ namespace: a });
    await create({ namespace: b });
    const res = await f.call('admin', 'PUT', `${NS}/${a}`, { namespace: b });
    expect([res.status, res.json['message']]).toEqual([409, `Invalid update. It would result in a duplicate metadata definition namespace with the same name of ${b}`]);
    const missing = await f.call('admin', 'PUT', `${NS}/nope`, { namespace: 'nope' });
    expect([missing.status, missing.json['message']]).toEqual([404, 'Namespace nope not found']);
  });

  it('delete: removes the namespace with its contents', async () => {
    const name = unique('doomed');
    const withBody = await f.call('admin', 'DELETE', `${NS}/nope`, {});
    expect([withBody.status, withBody.json['message']]).toEqual([400, 'A body is not expected with this request.']);
    await create({ namespace: name, objects: [{ name: 'o' }], tags: [{ name: 't' }], properties: { p: { title: 'P', type: 'string' } }, resource_type_associations: [{ name: 'OS::Glance::Image' }] });
    expect((await f.call('admin', 'DELETE', `${NS}/${name}`)).status).toBe(204);
    await create({ namespace: name });
    const fresh = (await f.call('admin', 'GET', `${NS}/${name}`)).json;
    expect(fresh).not.toHaveProperty('objects');
    expect(fresh).not.toHaveProperty('tags');
    expect(fresh).not.toHaveProperty('properties');
    expect(fresh).not.toHaveProperty('resource_type_associations');
  });

  it('delete: objects, properties and tags in bulk, each leaving the rest', async () => {
    const name = unique('bulk');
    await create({ namespace: name, objects: [{ name: 'o' }], tags: [{ name: 't' }], properties: { p: { title: 'P', type: 'string' } } });
    expect((await f.call('admin', 'DELETE', `${NS}/${name}/objects`)).status).toBe(204);
    let shown = (await f.call('admin', 'GET', `${NS}/${name}`)).json;
    expect(shown).not.toHaveProperty('objects');
    expect(shown).toHaveProperty('tags');
    expect((await f.call('admin', 'DELETE', `${NS}/${name}/properties`)).status).toBe(204);
    expect((await f.call('admin', 'DELETE', `${NS}/${name}/tags`)).status).toBe(204);
    shown = (await f.call('admin', 'GET', `${NS}/${name}`)).json;
    expect(shown).not.toHaveProperty('properties');
    expect(shown).not.toHaveProperty('tags');
  });

  it('delete: a protected namespace refuses bulk deletes of its contents too', async () => {
    const name = unique('guarded');
    await create({ namespace: name, protected: true, tags: [{ name: 't' }] });
    for (const part of ['objects', 'properties', 'tags']) {
      const res = await f.call('admin', 'DELETE', `${NS}/${name}/${part}`);
      expect([res.status, res.json['message']]).toEqual([403, `Metadata definition namespace ${name} is protected and cannot be deleted.`]);
    }
    expect((await f.call('a', 'DELETE', `${NS}/${name}/tags`)).status).toBe(404);
  });
});
