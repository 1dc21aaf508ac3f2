import { describe, expect, it } from 'vitest';
import { decodeMethods, encodeMethods } from './methods.js';
import { MalformedPayloadError, newAuditId, pack, unpack, type NewTokenPayload } from './payload.js';
import { decode, encode } from '@msgpack/msgpack';

const USER = '0123456789abcdef0123456789abcdef';
const PROJECT = 'fedcba9876543210fedcba9876543210';
const AUDIT = 'AAECAwQFBgcICQoLDA0ODw'; // bytes 0..15
const ISSUED = new Date('2026-01-01T00:00:00Z');
const EXPIRES = new Date('2026-01-01T01:00:00.123Z');

const base: NewTokenPayload = {
  userId: USER,
  methods: ['password'],
  scope: { type: 'unscoped' },
  expiresAt: EXPIRES,
  auditIds: [AUDIT],
};

const cases: Array<[string, NewTokenPayload, number]> = [
  ['unscoped', base, 0],
  ['domain (UUID)', { ...base, scope: { type: 'domain', domainId: PROJECT } }, 1],
  ['domain (default)', { ...base, scope: { type: 'domain', domainId: 'default' } }, 1],
  ['project', { ...base, scope: { type: 'project', projectId: PROJECT } }, 2],
  ['trust', { ...base, scope: { type: 'project', projectId: PROJECT }, trustId: 'aa'.repeat(16) }, 3],
  ['system', { ...base, scope: { type: 'system' } }, 8],
  ['OAuth1', { ...base, methods: ['oauth1'], scope: { type: 'project', projectId: PROJECT }, accessTokenId: 'cc'.repeat(16) }, 7],
  ['application credential', { ...base, methods: ['application_credential'], scope: { type: 'project', projectId: PROJECT }, appCredId: 'bb'.repeat(16) }, 9],
];

describe('payload', () => {
  for (const [name, payload, version] of cases) {
    it(`round trip: ${name} packs as version ${version}`, () => {
      const buf = pack(payload);
      expect(buf[1]).toBe(version); // after the fixarray header
      expect(unpack(buf, ISSUED)).toEqual({ ...payload, issuedAt: ISSUED });
    });
  }

  it('round trip: non-UUID ids (LDAP, federation) stay strings', () => {
    const payload: NewTokenPayload = {
      ...base,
      userId: 'cn=alice,ou=people',
      scope: { type: 'project', projectId: 'my-project' },
      appCredId: 'not-a-uuid',
      methods: ['application_credential'],
    };
    expect(unpack(pack(payload), ISSUED)).toEqual({ ...payload, issuedAt: ISSUED });
  });

  it('round trip: a chained token keeps both audit ids and several methods, highest bit first', () => {
    const payload: NewTokenPayload = { ...base, methods: ['password', 'token'], auditIds: [newAuditId(), newAuditId()] };
    const out = unpack(pack(payload), ISSUED);
    expect(out.auditIds).toEqual(payload.auditIds);
    expect(out.methods).toEqual(['token', 'password']);
  });

  it('pack: is byte-identical to Keystone for a project-scoped password token', () => {
    const seconds = new Date('2026-01-01T01:00:00Z').getTime() / 1000; // whole: Python still packs a float64
    const float = Buffer.alloc(8);
    float.writeDoubleBE(seconds);
    const keystone = Buffer.concat([
      Buffer.from([0x96, 0x02, 0x92, 0xc3, 0xc4, 0x10]),
      Buffer.from(USER, 'hex'),
      Buffer.from([0x02, 0x92, 0xc3, 0xc4, 0x10]),
      Buffer.from(PROJECT, 'hex'),
      Buffer.from([0xcb]),
      float,
      Buffer.from([0x91, 0xc4, 0x10]),
      Buffer.from(AUDIT, 'base64url'),
    ]);
    const ours = pack({ ...base, scope: { type: 'project', projectId: PROJECT }, expiresAt: new Date(seconds * 1000) });
    expect(ours.toString('hex')).toBe(keystone.toString('hex'));
  });

  it('pack: compresses only canonical lower-case UUID hex', () => {
    const upper = { ...base, userId: USER.toUpperCase() };
    expect(unpack(pack(upper), ISSUED).userId).toBe(USER.toUpperCase());
  });

  it('pack: refuses unknown methods, bad audit ids and impossible scopes', () => {
    expect(() => pack({ ...base, methods: ['kerberos'] })).toThrow(TypeError);
    expect(() => pack({ ...base, auditIds: ['not base64!'] })).toThrow(TypeError);
    expect(() => pack({ ...base, appCredId: 'x' })).toThrow(TypeError);
    expect(() => pack({ ...base, scope: { type: 'project', projectId: PROJECT }, trustId: 'not-a-uuid' })).toThrow(TypeError);
  });

  it('unpack: refuses garbage, unknown versions and wrong field types', () => {
    expect(() => unpack(Buffer.from([0xc1]), ISSUED)).toThrow(MalformedPayloadError);
    expect(() => unpack(Buffer.from(encode({ a: 1 })), ISSUED)).toThrow(MalformedPayloadError);
    expect(() => unpack(Buffer.from(encode([5, [true, new Uint8Array(16)], 2, [], 1, []])), ISSUED)).toThrow(/version: 5/);
    expect(() => unpack(Buffer.from(encode([0, 'user', 2, 1.5, []])), ISSUED)).toThrow(MalformedPayloadError);
    expect(() => unpack(Buffer.from(encode([0, [false, 'u'], 64, 1.5, []])), ISSUED)).toThrow(/unknown auth methods/);
    expect(() => unpack(Buffer.from(encode([0, [false, 'u'], 2])), ISSUED)).toThrow(/missing field 3/);
  });

  it("pack: an OAuth1 payload orders its fields as Keystone's OauthScopedPayload", () => {
    const buf = pack({ ...base, methods: ['oauth1'], scope: { type: 'project', projectId: PROJECT }, accessTokenId: 'cc'.repeat(16) });
    const fields = decode(buf) as unknown[];
    expect(fields[0]).toBe(7);
    const [asBytes, accessToken] = fields[4] as [boolean, Uint8Array];
    expect([asBytes, Buffer.from(accessToken).toString('hex')]).toEqual([true, 'cc'.repeat(16)]);
    expect(typeof fields[5]).toBe('number');
    expect(() => pack({ ...base, scope: { type: 'system' }, accessTokenId: 'cc'.repeat(16) })).toThrow(TypeError);
    expect(() => pack({ ...base, scope: { type: 'project', projectId: PROJECT }, accessTokenId: 'cc'.repeat(16), trustId: 'aa'.repeat(16) })).toThrow(TypeError);
  });

  it('newAuditId: is 22 url-safe characters from 16 random bytes', () => {
    expect(newAuditId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newAuditId(() => Buffer.alloc(16, 0xff))).toBe('_____________________w');
  });
});

describe('methods', () => {
  it('uses Keystone default [auth] methods bits', () => {
    expect(encodeMethods(['external'])).toBe(1);
    expect(encodeMethods(['password'])).toBe(2);
    expect(encodeMethods(['token'])).toBe(4);
    expect(encodeMethods(['application_credential'])).toBe(32);
    expect(encodeMethods(['password', 'password'])).toBe(2);
    expect(decodeMethods(0)).toEqual([]);
    expect(decodeMethods(6)).toEqual(['token', 'password']);
    expect(decodeMethods(64)).toBeUndefined();
  });
});
