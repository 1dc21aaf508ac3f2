import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepBadInput, WRONG_VALUES } from '../../core/http/test-support.js';
import { placementCaller, placementFixture, type PlacementFixture } from '../test-support.js';

let f: PlacementFixture;
const call = placementCaller(() => f);
let provider = '';

beforeAll(async () => {
  f = await placementFixture();
  const res = await call('admin', 'POST', '/resource_providers', { name: 'bad-input' });
  provider = res.json().uuid;
}, 60_000);
afterAll(async () => { await f.close(); });

describe('placement API: bad input', () => {
  for (const version of ['1.0', 'latest']) {
    it(`every route answers malformed bodies and queries with Placement's errors body and a 4xx, never a 5xx (${version})`, async () => {
      const { wrong, statuses, routes } = await sweepBadInput({
        app: f.app,
        concrete: (path) => path.replace(/\/resource_providers\/:[a-z_]+/, `/resource_providers/${provider}`).replace(/:[a-z_]+/g, 'no-such-thing'),
        bodies: () => [...WRONG_VALUES, ...['inventories', 'allocations', 'traits', 'aggregates', 'resource_provider_generation', 'consumer_generation', 'mappings']
          .flatMap((key) => WRONG_VALUES.map((v) => ({ [key]: v })))],
        query: '?resources=VCPU:x&required=!,&member_of=in:&in_tree=zz&limit=-1&name=&uuid=nope&group_policy=sideways&root_required=,&same_subtree=x&associated=maybe',
        send: (method, url, body) => call('admin', method, url, body, version),
        isFault: (res) => {
          const body = res.json() as { errors?: Array<{ status?: unknown; detail?: unknown }> };
          return Array.isArray(body.errors) && body.errors[0]?.status === res.statusCode && typeof body.errors[0].detail === 'string';
        },
        skip: (method, path) => method === 'DELETE' && /\/resource_providers\/:uuid$/.test(path),
      });
      expect(routes).toBeGreaterThan(15);
      expect(wrong).toEqual([]);
      expect([...statuses]).toEqual(expect.arrayContaining([400, 404]));
    }, 120_000);
  }
});
