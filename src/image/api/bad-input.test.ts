import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepBadInput, WRONG_VALUES } from '../../core/http/test-support.js';
import { imageFixture, type ImageFixture } from '../test-support.js';

let f: ImageFixture;
let imageId = '';
const headers = { 'x-auth-token': 'admin', 'content-type': 'application/json', accept: 'application/json' };

beforeAll(async () => {
  f = await imageFixture();
  imageId = (await f.app.inject({ method: 'POST', url: '/v2/images', headers, payload: { name: 'bad-input', disk_format: 'raw', container_format: 'bare' } })).json().id;
}, 60_000);
afterAll(async () => { await f.close(); });

describe('image API: bad input', () => {
  it('every route answers malformed bodies and queries with a Glance error and a 4xx, never a 5xx', async () => {
    const { wrong, statuses, routes } = await sweepBadInput({
      app: f.app,
      concrete: (path) => path.replace(/\/images\/:[a-z_]+/, `/images/${imageId}`).replace(/:[a-z_]+/g, 'no-such-thing').replace(/\/?\*$/, '/x'),
      bodies: () => [...WRONG_VALUES, [{ op: 'replace', path: 1 }], [{ op: 'explode', path: '/name', value: 1 }], { method: 1 }, { method: { name: 'x' } }, { member: [] }, { status: 7 }],
      query: '?limit=abc&marker=zz&sort_key=nope&sort_dir=sideways&sort=name:up&visibility=x&member_status=x&size_min=q&size_max=-&created_at=gte:nope&os_hidden=maybe&tag=',
      send: (method, url, body) => f.app.inject({ method, url, headers, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) }),
      isFault: (res) => {
        const body = res.json() as { message?: unknown; code?: unknown };
        return typeof body.message === 'string' && typeof body.code === 'string' && body.code.startsWith(String(res.statusCode));
      },
      skip: (method, path) => method === 'DELETE' && /\/images\/:[a-z_]+$/.test(path),
    });
    expect(routes).toBeGreaterThan(15);
    expect(wrong).toEqual([]);
    expect([...statuses]).toEqual(expect.arrayContaining([400, 404]));
  }, 120_000);
});
