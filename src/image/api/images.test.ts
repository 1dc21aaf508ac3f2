import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFixture, PROJECTS, type Caller, type ImageFixture } from '../test-support.js';

let f: ImageFixture;
beforeAll(async () => { f = await imageFixture(); });
afterAll(async () => { await f.close(); });

const json = (who: Caller) => ({ 'x-auth-token': who, 'content-type': 'application/json', accept: 'application/json' });
const PATCH = 'application/openstack-images-v2.1-json-patch';

async function create(who: Caller, body: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await f.app.inject({ method: 'POST', url: '/v2/images', headers: json(who), payload: { disk_format: 'raw', container_format: 'bare', ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function upload(who: Caller, id: string, data: Buffer) {
  return f.app.inject({ method: 'PUT', url: `/v2/images/${id}/file`, headers: { 'x-auth-token': who, 'content-type': 'application/octet-stream' }, payload: data });
}

async function show(who: Caller, id: string) {
  return f.app.inject({ method: 'GET', url: `/v2/images/${id}`, headers: json(who) });
}

/** A qcow2 v3 header; `backing` names a backing file (the OSSN-0090 attack). */
function qcow2(virtualSize: number, backing?: string): Buffer {
  const buf = Buffer.alloc(65536 * 4);
  buf.write('QFI\xfb', 0, 'latin1');
  buf.writeUInt32BE(3, 4);
  if (backing) {
    buf.writeBigUInt64BE(512n, 8);
    buf.writeUInt32BE(backing.length, 16);
    buf.write(backing, 512);
  }
  buf.writeUInt32BE(16, 20); // cluster_bits
  buf.writeBigUInt64BE(BigInt(virtualSize), 24);
  buf.writeUInt32BE(0, 32); // crypt
  buf.writeUInt32BE(1, 36); // l1_size
  buf.writeBigUInt64BE(196608n, 40); // l1 table
  buf.writeBigUInt64BE(65536n, 48); // refcount table
  buf.writeUInt32BE(1, 56);
  buf.writeBigUInt64BE(0n, 72); // incompatible features
  buf.writeUInt32BE(4, 96); // refcount_order
  buf.writeUInt32BE(104, 100); // header_length
  return buf;
}

describe('image records', () => {
  it('creates a queued image with Glance defaults and its links', async () => {
    const image = await create('demo', { name: 'cirros', architecture: 'x86_64', tags: ['a', 'b', 'a'] });
    expect(image).toMatchObject({
      name: 'cirros', status: 'queued', visibility: 'shared', protected: false, os_hidden: false, owner: PROJECTS.demo,
      size: null, virtual_size: null, checksum: null, min_ram: 0, min_disk: 0, architecture: 'x86_64',
      self: `/v2/images/${image.id}`, file: `/v2/images/${image.id}/file`, schema: '/v2/schemas/image',
    });
    expect(image.tags.sort()).toEqual(['a', 'b']);
    expect(image.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('refuses bad formats, read-only and reserved attributes, and non-string properties', async () => {
    const post = (body: object) => f.app.inject({ method: 'POST', url: '/v2/images', headers: json('demo'), payload: body });
    expect((await post({ disk_format: 'floppy' })).statusCode).toBe(400);
    expect((await post({ container_format: 'box' })).statusCode).toBe(400);
    expect((await post({ status: 'active' })).statusCode).toBe(403);
    expect((await post({ self: 'x' })).statusCode).toBe(403);
    expect((await post({ os_glance_foo: 'x' })).statusCode).toBe(403);
    expect((await post({ location: 'x' })).statusCode).toBe(403);
    const bad = await post({ foo: 5 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain("Provided object does not match schema 'image'");
    expect((await post({ min_ram: -1 })).statusCode).toBe(400);
    expect((await post({ visibility: 'public' })).statusCode).toBe(403);
  });

  it('answers errors as HTML unless JSON is asked for, as webob does', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/v2/images/00000000-0000-0000-0000-000000000000', headers: { 'x-auth-token': 'demo' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<title>404 Not Found</title>');
    const js = await show('demo', '00000000-0000-0000-0000-000000000000');
    expect(js.json()).toMatchObject({ code: '404 Not Found', title: 'Not Found' });
  });

  it('applies JSON-patch add/replace/remove and refuses what Glance refuses', async () => {
    const image = await create('demo', { name: 'old' });
    const patch = (ops: unknown, type = PATCH) => f.app.inject({ method: 'PATCH', url: `/v2/images/${image.id}`, headers: { 'x-auth-token': 'demo', 'content-type': type }, payload: JSON.stringify(ops) });
    const ok = await patch([{ op: 'replace', path: '/name', value: 'new' }, { op: 'add', path: '/os_distro', value: 'cirros' }, { op: 'add', path: '/min_ram', value: 512 }]);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ name: 'new', os_distro: 'cirros', min_ram: 512 });
    expect((await patch([{ op: 'remove', path: '/os_distro' }])).json().os_distro).toBeUndefined();
    expect((await patch([{ op: 'remove', path: '/nothing' }])).statusCode).toBe(409);
    expect((await patch([{ op: 'replace', path: '/nothing', value: 'x' }])).statusCode).toBe(409);
    expect((await patch([{ op: 'remove', path: '/name' }])).statusCode).toBe(403);
    expect((await patch([{ op: 'replace', path: '/status', value: 'active' }])).statusCode).toBe(403);
    expect((await patch([{ op: 'move', path: '/name' }])).statusCode).toBe(400);
    expect((await patch([{ op: 'replace', path: 'name', value: 'x' }])).statusCode).toBe(400);
    const wrongType = await patch([{ op: 'replace', path: '/name', value: 'x' }], 'application/json');
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.headers['accept-patch']).toContain('application/openstack-images-v2.1-json-patch');
    const other = await f.app.inject({ method: 'PATCH', url: `/v2/images/${image.id}`, headers: { 'x-auth-token': 'alt', 'content-type': PATCH }, payload: '[]' });
    expect(other.statusCode).toBe(404);
  });

  it('keeps protected images and deletes the rest with their data', async () => {
    const image = await create('demo', { protected: true });
    const del = () => f.app.inject({ method: 'DELETE', url: `/v2/images/${image.id}`, headers: json('demo') });
    expect((await del()).statusCode).toBe(403);
    await f.app.inject({ method: 'PATCH', url: `/v2/images/${image.id}`, headers: { 'x-auth-token': 'demo', 'content-type': PATCH }, payload: JSON.stringify([{ op: 'replace', path: '/protected', value: false }]) });
    expect((await upload('demo', image.id, Buffer.from('abc'))).statusCode).toBe(204);
    expect((await del()).statusCode).toBe(204);
    expect((await show('demo', image.id)).statusCode).toBe(404);
    expect((await del()).statusCode).toBe(404);
    expect(readdirSync(join(f.dir, 'images')).filter((n) => n.includes(image.id))).toEqual([]);
  });
});

describe('image data', () => {
  it('uploads with checksums, then downloads whole and by range', async () => {
    const image = await create('demo');
    const data = randomBytes(300_000);
    expect((await upload('demo', image.id, data)).statusCode).toBe(204);
    const shown = (await show('demo', image.id)).json();
    expect(shown).toMatchObject({
      status: 'active', size: data.length, checksum: createHash('md5').update(data).digest('hex'),
      os_hash_algo: 'sha512', os_hash_value: createHash('sha512').update(data).digest('hex'), stores: 'file',
    });
    const down = await f.app.inject({ method: 'GET', url: `/v2/images/${image.id}/file`, headers: { 'x-auth-token': 'demo' } });
    expect(down.statusCode).toBe(200);
    expect(down.headers['content-md5']).toBe(shown.checksum);
    expect(down.rawPayload.equals(data)).toBe(true);
    const part = await f.app.inject({ method: 'GET', url: `/v2/images/${image.id}/file`, headers: { 'x-auth-token': 'demo', range: 'bytes=10-19' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-19/${data.length}`);
    expect(part.rawPayload.equals(data.subarray(10, 20))).toBe(true);
    const bad = await f.app.inject({ method: 'GET', url: `/v2/images/${image.id}/file`, headers: { 'x-auth-token': 'demo', range: `bytes=${data.length}-` } });
    expect(bad.statusCode).toBe(416);
    expect((await upload('demo', image.id, data)).statusCode).toBe(409);
  });

  it('answers 204 for an image without data and 415 for a wrong content type', async () => {
    const image = await create('demo');
    expect((await f.app.inject({ method: 'GET', url: `/v2/images/${image.id}/file`, headers: { 'x-auth-token': 'demo' } })).statusCode).toBe(204);
    const wrong = await f.app.inject({ method: 'PUT', url: `/v2/images/${image.id}/file`, headers: { 'x-auth-token': 'demo', 'content-type': 'text/plain' }, payload: 'x' });
    expect(wrong.statusCode).toBe(415);
  });

  it('records the virtual size of a qcow2 and refuses one with a backing file, leaving nothing behind', async () => {
    const good = await create('demo', { disk_format: 'qcow2' });
    expect((await upload('demo', good.id, qcow2(1 << 30))).statusCode).toBe(204);
    expect((await show('demo', good.id)).json()).toMatchObject({ status: 'active', virtual_size: 1 << 30 });

    const evil = await create('demo', { disk_format: 'qcow2' });
    const res = await upload('demo', evil.id, qcow2(1 << 30, '/etc/shadow'));
    expect(res.statusCode).toBe(400);
    expect((await show('demo', evil.id)).json()).toMatchObject({ status: 'queued', size: null, checksum: null });
    expect(readdirSync(join(f.dir, 'images')).filter((n) => n.includes(evil.id))).toEqual([]);
  });

  it('refuses content that does not match disk_format', async () => {
    const image = await create('demo', { disk_format: 'qcow2' });
    const res = await upload('demo', image.id, randomBytes(4096));
    expect(res.statusCode).toBe(400);
    expect((await show('demo', image.id)).json().status).toBe('queued');
  });

  it('deactivates and reactivates; members of the public cannot download deactivated data', async () => {
    const image = await create('admin', { visibility: 'public' });
    expect((await upload('admin', image.id, Buffer.from('data'))).statusCode).toBe(204);
    const act = (what: string, who: Caller = 'admin') => f.app.inject({ method: 'POST', url: `/v2/images/${image.id}/actions/${what}`, headers: { 'x-auth-token': who } });
    expect((await act('deactivate')).statusCode).toBe(204);
    expect((await show('demo', image.id)).json().status).toBe('deactivated');
    expect((await f.app.inject({ method: 'GET', url: `/v2/images/${image.id}/file`, headers: { 'x-auth-token': 'demo' } })).statusCode).toBe(403);
    expect((await act('deactivate', 'demo')).statusCode).toBe(403);
    expect((await act('reactivate')).statusCode).toBe(204);
    expect((await show('demo', image.id)).json().status).toBe('active');
    const queued = await create('demo');
    expect((await f.app.inject({ method: 'POST', url: `/v2/images/${queued.id}/actions/deactivate`, headers: { 'x-auth-token': 'demo' } })).statusCode).toBe(400);
  });

  it('stages and imports with glance-direct, recording a task', async () => {
    const image = await create('demo');
    const data = randomBytes(5000);
    const stage = await f.app.inject({ method: 'PUT', url: `/v2/images/${image.id}/stage`, headers: { 'x-auth-token': 'demo', 'content-type': 'application/octet-stream' }, payload: data });
    expect(stage.statusCode).toBe(204);
    expect((await show('demo', image.id)).json().status).toBe('uploading');
    const imp = await f.app.inject({ method: 'POST', url: `/v2/images/${image.id}/import`, headers: json('demo'), payload: { method: { name: 'glance-direct' } } });
    expect(imp.statusCode).toBe(202);
    await f.svc.drain();
    const shown = (await show('demo', image.id)).json();
    expect(shown).toMatchObject({ status: 'active', size: 5000, stores: 'file', os_glance_importing_to_stores: '', os_glance_failed_import: '' });
    const tasks = (await f.app.inject({ method: 'GET', url: `/v2/images/${image.id}/tasks`, headers: json('demo') })).json().tasks;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ status: 'success', request_id: imp.headers['x-openstack-request-id'], input: { import_req: { method: { name: 'glance-direct' } } } });
    const web = await f.app.inject({ method: 'POST', url: `/v2/images/${image.id}/import`, headers: json('demo'), payload: { method: { name: 'web-download', uri: 'http://x' } } });
    expect(web.statusCode).toBe(400);
  });
});

describe('interrupted uploads', () => {
  it('put the image back to queued and keep no partial data when the client goes away', async () => {
    const image = await create('demo');
    const url = await f.app.listen({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => {
      const req = request(`${url}/v2/images/${image.id}/file`, { method: 'PUT', headers: { 'x-auth-token': 'demo', 'content-type': 'application/octet-stream', 'content-length': String(10 << 20) } });
      req.on('error', () => resolve());
      req.write(randomBytes(1 << 20), () => setTimeout(() => { req.destroy(); resolve(); }, 100));
    });
    let status = '';
    for (let i = 0; i < 100 && status !== 'queued'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = (await show('demo', image.id)).json().status;
    }
    expect(status).toBe('queued');
    expect(readdirSync(join(f.dir, 'images')).filter((n) => n.includes(image.id))).toEqual([]);
    expect((await upload('demo', image.id, Buffer.from('again'))).statusCode).toBe(204);
  });
});

describe('listing', () => {
  it('filters, sorts and pages with next links', async () => {
    const tag = `t-${randomBytes(4).toString('hex')}`;
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await create('alt', { name: `list-${i}`, tags: [tag], os_type: i % 2 ? 'odd' : 'even' }));
    const list = async (q: string, who: Caller = 'alt') => (await f.app.inject({ method: 'GET', url: `/v2/images?${q}`, headers: json(who) })).json();
    const page1 = await list(`tag=${tag}&limit=2&sort=name:asc`);
    expect(page1.images.map((i: any) => i.name)).toEqual(['list-0', 'list-1']);
    expect(page1.next).toContain('marker=');
    const page2 = await list(page1.next.split('?')[1]);
    expect(page2.images.map((i: any) => i.name)).toEqual(['list-2', 'list-3']);
    expect((await list(`tag=${tag}&os_type=odd`)).images).toHaveLength(2);
    expect((await list(`tag=${tag}&name=in:list-1,list-4`)).images).toHaveLength(2);
    expect((await list(`tag=${tag}&sort_key=name&sort_dir=desc`)).images[0].name).toBe('list-4');
    expect((await list(`tag=${tag}`, 'demo')).images).toHaveLength(0);
    expect((await list(`tag=${tag}`, 'admin')).images).toHaveLength(5);
    const bad = await f.app.inject({ method: 'GET', url: '/v2/images?sort_key=owner', headers: json('alt') });
    expect(bad.statusCode).toBe(400);
    expect((await f.app.inject({ method: 'GET', url: '/v2/images?limit=-1', headers: json('alt') })).statusCode).toBe(400);
    expect((await f.app.inject({ method: 'GET', url: '/v2/images?marker=nope', headers: json('alt') })).statusCode).toBe(400);
    expect(made).toHaveLength(5);
  });
});

describe('sharing', () => {
  it('adds a member who sees the image once accepted', async () => {
    const image = await create('demo', { name: 'shared-one' });
    const add = await f.app.inject({ method: 'POST', url: `/v2/images/${image.id}/members`, headers: json('demo'), payload: { member: PROJECTS.alt } });
    expect(add.statusCode).toBe(200);
    expect(add.json()).toMatchObject({ member_id: PROJECTS.alt, image_id: image.id, status: 'pending', schema: '/v2/schemas/member' });
    expect((await f.app.inject({ method: 'POST', url: `/v2/images/${image.id}/members`, headers: json('demo'), payload: { member: PROJECTS.alt } })).statusCode).toBe(409);
    const listed = async () => (await f.app.inject({ method: 'GET', url: '/v2/images', headers: json('alt') })).json().images.map((i: any) => i.id);
    expect(await listed()).not.toContain(image.id);
    expect((await show('alt', image.id)).statusCode).toBe(200);
    const ownerAccepts = await f.app.inject({ method: 'PUT', url: `/v2/images/${image.id}/members/${PROJECTS.alt}`, headers: json('demo'), payload: { status: 'accepted' } });
    expect(ownerAccepts.statusCode).toBe(403);
    const accept = await f.app.inject({ method: 'PUT', url: `/v2/images/${image.id}/members/${PROJECTS.alt}`, headers: json('alt'), payload: { status: 'accepted' } });
    expect(accept.statusCode).toBe(200);
    expect(await listed()).toContain(image.id);
    const members = (await f.app.inject({ method: 'GET', url: `/v2/images/${image.id}/members`, headers: json('demo') })).json();
    expect(members.members).toHaveLength(1);
    expect((await f.app.inject({ method: 'DELETE', url: `/v2/images/${image.id}/members/${PROJECTS.alt}`, headers: json('demo') })).statusCode).toBe(204);
    expect((await show('alt', image.id)).statusCode).toBe(404);
  });

  it('refuses members on private images', async () => {
    const image = await create('demo', { visibility: 'private' });
    const add = await f.app.inject({ method: 'POST', url: `/v2/images/${image.id}/members`, headers: json('demo'), payload: { member: PROJECTS.alt } });
    expect(add.statusCode).toBe(403);
  });
});

describe('tags and quotas', () => {
  it('adds and removes tags', async () => {
    const image = await create('demo');
    const put = await f.app.inject({ method: 'PUT', url: `/v2/images/${image.id}/tags/blue`, headers: { 'x-auth-token': 'demo' } });
    expect(put.statusCode).toBe(204);
    expect((await show('demo', image.id)).json().tags).toEqual(['blue']);
    expect((await f.app.inject({ method: 'DELETE', url: `/v2/images/${image.id}/tags/blue`, headers: { 'x-auth-token': 'demo' } })).statusCode).toBe(204);
    expect((await f.app.inject({ method: 'DELETE', url: `/v2/images/${image.id}/tags/blue`, headers: { 'x-auth-token': 'demo' } })).statusCode).toBe(404);
  });

  it('enforces the image count limit with 413', async () => {
    const usage = (await f.app.inject({ method: 'GET', url: '/v2/images?limit=1000', headers: json('alt') })).json().images.filter((i: any) => i.owner === PROJECTS.alt).length;
    f.limits.limits.set('image_count_total', usage + 1);
    await create('alt');
    const over = await f.app.inject({ method: 'POST', url: '/v2/images', headers: json('alt'), payload: {} });
    expect(over.statusCode).toBe(413);
    f.limits.limits.set('image_count_total', 1000);
  });

  it('refuses an upload once the project is over its size limit, as oslo.limit with delta 0 does, leaving no partial data', async () => {
    const usedMiB = Math.floor((await f.app.inject({ method: 'GET', url: '/v2/images?limit=1000', headers: json('alt') })).json().images
      .filter((i: any) => i.owner === PROJECTS.alt).reduce((sum: number, i: any) => sum + (i.size ?? 0), 0) / (1024 * 1024));
    f.limits.limits.set('image_size_total', usedMiB);
    // Not over yet (usage == limit): the upload that crosses the limit is allowed whole.
    const crossing = await create('alt');
    expect((await upload('alt', crossing.id, Buffer.alloc(2 * 1024 * 1024))).statusCode).toBe(204);
    const refused = await create('alt');
    const over = await upload('alt', refused.id, Buffer.alloc(1024));
    expect(over.statusCode).toBe(413);
    expect((await show('alt', refused.id)).json().status).toBe('queued');
    expect(readdirSync(join(f.dir, 'images')).filter((n) => n.includes(refused.id))).toEqual([]);
    f.limits.limits.set('image_size_total', usedMiB + 2);
    expect((await upload('alt', refused.id, Buffer.alloc(1024))).statusCode).toBe(204);
    f.limits.limits.set('image_size_total', 1 << 20);
  });
});

describe('quotas under parallel requests', () => {
  it('lets exactly the allowed number of parallel creates through', async () => {
    const own = (await f.app.inject({ method: 'GET', url: '/v2/images?limit=1000', headers: json('reader') })).json().images
      .filter((i: any) => i.owner === PROJECTS.demo).length;
    f.limits.limits.set('image_count_total', own + 3);
    const results = await Promise.all(Array.from({ length: 10 }, () =>
      f.app.inject({ method: 'POST', url: '/v2/images', headers: json('demo'), payload: { name: 'race' } })));
    f.limits.limits.set('image_count_total', 1000);
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(3);
    expect(results.filter((r) => r.statusCode === 413)).toHaveLength(7);
  });
});

describe('schemas and versions', () => {
  it('serves the image and member schemas and the version list', async () => {
    const image = (await f.app.inject({ method: 'GET', url: '/v2/schemas/image', headers: json('demo') })).json();
    expect(image.name).toBe('image');
    expect(image.additionalProperties).toEqual({ type: 'string' });
    expect(image.properties.disk_format.enum).toContain('qcow2');
    const images = (await f.app.inject({ method: 'GET', url: '/v2/schemas/images', headers: json('demo') })).json();
    expect(images.name).toBe('images');
    expect((await f.app.inject({ method: 'GET', url: '/v2/schemas/members', headers: json('demo') })).json().name).toBe('members');
    const versions = await f.app.inject({ method: 'GET', url: '/' });
    expect(versions.statusCode).toBe(300);
    expect(versions.json().versions[0]).toMatchObject({ id: 'v2.15', status: 'CURRENT' });
  });
});
