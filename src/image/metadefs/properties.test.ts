import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadefFixture, namespaceMaker, type Json, type MetadefFixture } from './test-support.js';

let f: MetadefFixture;
beforeAll(async () => { f = await metadefFixture(); });
afterAll(async () => { await f.close(); });

const NS = '/v2/metadefs/namespaces';
const namespace = namespaceMaker(() => f, 'props-ns');

describe('properties (tempest test_basic_meta_def_namespace_property)', () => {
  it('properties: create, show, update, delete, list', async () => {
    const resourceName = (await f.call('admin', 'GET', '/v2/metadefs/resource_types')).json['resource_types'][0]['name'] as string;
    const enumValues = ['xen', 'qemu', 'kvm', 'lxc', 'uml', 'vmware', 'hyperv'];
    const ns = await namespace();
    expect((await f.call('admin', 'POST', `${NS}/${ns}/resource_types`, { name: resourceName })).status).toBe(201);
    const created = await f.call('admin', 'POST', `${NS}/${ns}/properties`, { title: 'property-1', name: resourceName, type: 'string', enum: enumValues });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ name: resourceName, type: 'string', title: 'property-1', enum: enumValues });
    const shown = await f.call('admin', 'GET', `${NS}/${ns}/properties/${resourceName}`);
    expect([shown.status, shown.json['name']]).toEqual([200, resourceName]);
    const updated = await f.call('admin', 'PUT', `${NS}/${ns}/properties/${resourceName}`, { title: 'update-property', type: 'string', enum: enumValues, name: resourceName });
    expect([updated.status, updated.json['title']]).toEqual([200, 'update-property']);
    expect((await f.call('admin', 'DELETE', `${NS}/${ns}/properties/${resourceName}`)).status).toBe(204);
    const list = await f.call('admin', 'GET', `${NS}/${ns}/properties`);
    expect(list.json).toEqual({ properties: {} });
  });
});

describe('properties: rules', () => {
  it('properties: list maps names to definitions; show names the property', async () => {
    const ns = await namespace({ properties: { cores: { title: 'Cores', type: 'integer', minimum: 1, default: null } } });
    const list = await f.call('b', 'GET', `${NS}/${ns}/properties`);
    expect(list.json).toEqual({ properties: { cores: { type: 'integer', title: 'Cores', default: null, minimum: 1 } } });
    const shown = await f.call('b', 'GET', `${NS}/${ns}/properties/cores`);
    expect(Object.keys(shown.json)).toEqual(['name', 'type', 'title', 'default', 'minimum']);
  });

  it('properties: ?resource_type= takes the name with the association\'s prefix', async () => {
    const ns = await namespace({ resource_type_associations: [{ name: 'OS::Nova::Flavor', prefix: 'hw:' }, { name: 'OS::Glance::Image' }], properties: { cpu_policy: { title: 'CPU', type: 'string' } } });
    const ok = await f.call('b', 'GET', `${NS}/${ns}/properties/hw:cpu_policy?resource_type=OS::Nova::Flavor`);
    expect([ok.status, ok.json['name']]).toEqual([200, 'cpu_policy']);
    const cases: Array<[string, string]> = [
      ['cpu_policy?resource_type=OS::Nova::Flavor', "Property cpu_policy does not start with the expected resource type association prefix of 'hw:'."],
      ['cpu_policy?resource_type=OS::Glance::Image', "Property cpu_policy does not start with the expected resource type association prefix of 'None'."],
      ['hw:cpu_policy?resource_type=OS::Nowhere', 'The metadata definition resource-type with name=OS::Nowhere, was not found.'],
      ['hw:cpu_policy?resource_type=OS::Cinder::Volume', `The metadata definition resource-type association of resource-type=OS::Cinder::Volume to namespace=${ns}, was not found.`],
      ['hw:other?resource_type=OS::Nova::Flavor', 'Could not find property other'],
    ];
    for (const [path, message] of cases) {
      const res = await f.call('b', 'GET', `${NS}/${ns}/properties/${path}`);
      expect([res.status, res.json['message']], path).toEqual([404, message]);
    }
  });

  it('properties: validation, duplicates, renames and protection', async () => {
    const ns = await namespace({ protected: true, properties: { a: { title: 'A', type: 'string' }, b: { title: 'B', type: 'string' } } });
    const noName = await f.call('admin', 'POST', `${NS}/${ns}/properties`, { title: 'T', type: 'string' });
    expect([noName.status, noName.json['message']]).toEqual([400, "Provided object does not match schema 'property': 'name' is a required property"]);
    const badType = await f.call('admin', 'POST', `${NS}/${ns}/properties`, { name: 'x', title: 'T', type: 'text' });
    expect(badType.json['message']).toBe("Provided object does not match schema 'property': 'text' is not one of ['array', 'boolean', 'integer', 'number', 'object', 'string', None]");
    const emptyRequired = await f.call('admin', 'POST', `${NS}/${ns}/properties`, { name: 'x', title: 'T', type: 'object', required: [] });
    expect(emptyRequired.json['message']).toBe("Provided object does not match schema 'property': [] is too short");
    const readOnly = await f.call('admin', 'POST', `${NS}/${ns}/properties`, { name: 'x', title: 'T', type: 'string', updated_at: 'now' });
    expect([readOnly.status, readOnly.json['message']]).toEqual([403, "Attribute 'updated_at' is read-only."]);
    const dup = await f.call('admin', 'POST', `${NS}/${ns}/properties`, { name: 'a', title: 'T', type: 'string' });
    expect([dup.status, dup.json['message']]).toEqual([409, `A metadata definition property with name=a already exists in namespace=${ns}.`]);
    const clash = await f.call('admin', 'PUT', `${NS}/${ns}/properties/b`, { name: 'a', title: 'T', type: 'string' });
    expect([clash.status, clash.json['message']]).toEqual([409, `Invalid update. It would result in a duplicate metadata definition property with the same name=a in namespace=${ns}.`]);
    const renamed = await f.call('admin', 'PUT', `${NS}/${ns}/properties/b`, { name: 'c', title: 'C', type: 'boolean', items: { type: 'string', extra: 1 } });
    expect(renamed.json).toEqual({ name: 'c', type: 'boolean', title: 'C', items: { type: 'string' } });
    const kept = await f.call('admin', 'DELETE', `${NS}/${ns}/properties/a`);
    expect([kept.status, kept.json['message']]).toEqual([403, 'Metadata definition property a is protected and cannot be deleted.']);
    const missing = await f.call('admin', 'PUT', `${NS}/${ns}/properties/zzz`, { name: 'zzz', title: 'T', type: 'string' });
    expect([missing.status, missing.json['message']]).toEqual([404, 'Could not find property zzz']);
    const member = await f.call('b', 'DELETE', `${NS}/${ns}/properties/a`);
    expect([member.status, member.json['message']]).toEqual([403, 'You are not authorized to complete remove_metadef_property action.']);
  });
});
