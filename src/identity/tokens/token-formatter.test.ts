import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encrypt, generateKey } from './fernet.js';
import { initialize, rotate } from './key-repository.js';
import { FernetKeyRing, KeysNotFoundError } from './key-ring.js';
import { newAuditId, type NewTokenPayload } from './payload.js';
import { InvalidTokenError, TokenFormatter } from './token-formatter.js';

/** A hand-moved clock shared by the key ring and the formatter. */
function manualClock(start = '2026-01-01T00:00:00Z'): { now: () => Date; advance: (ms: number) => void } {
  let t = new Date(start).getTime();
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

const HOUR = 3600_000;
let root: string;
let dir: string;
let clock: ReturnType<typeof manualClock>;
let formatter: TokenFormatter;
let ring: FernetKeyRing;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'stratus-tokens-'));
  dir = join(root, 'fernet-keys');
  initialize(dir);
  clock = manualClock();
  ring = new FernetKeyRing(dir, clock.now);
  formatter = new TokenFormatter(ring, clock.now);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function projectPayload(): NewTokenPayload {
  return {
    userId: 'b6e5a4e0e4a34f3b8a6f0c1d2e3f4a5b',
    methods: ['password'],
    scope: { type: 'project', projectId: 'c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6' },
    expiresAt: new Date(clock.now().getTime() + HOUR),
    auditIds: [newAuditId()],
  };
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidTokenError) return error.reason;
    throw error;
  }
  return 'valid';
}

describe('TokenFormatter', () => {
  it('create/validate: round trips with issuedAt from the Fernet timestamp', () => {
    clock.advance(1500);
    const payload = projectPayload();
    const token = formatter.create(payload);
    expect(formatter.validate(token)).toEqual({ ...payload, issuedAt: new Date('2026-01-01T00:00:01Z') });
  });

  it('create: hands out unpadded url-safe tokens under 255 characters (project-scoped password)', () => {
    for (let i = 0; i < 50; i++) {
      const token = formatter.create(projectPayload());
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(token.length).toBeLessThan(255);
    }
  });

  it('create: stays under 255 for a rescoped app-credential token with two audit ids', () => {
    const token = formatter.create({
      ...projectPayload(),
      methods: ['application_credential', 'token'],
      appCredId: 'ab'.repeat(16),
      auditIds: [newAuditId(), newAuditId()],
    });
    expect(token.length).toBeLessThan(255);
  });

  it('validate: refuses expired tokens, including at exactly expiresAt', () => {
    const token = formatter.create(projectPayload());
    clock.advance(HOUR - 1);
    expect(reasonOf(() => formatter.validate(token))).toBe('valid');
    clock.advance(1);
    expect(reasonOf(() => formatter.validate(token))).toBe('expired');
  });

  it('validate: refuses tampered tokens', () => {
    const token = formatter.create(projectPayload());
    const raw = Buffer.from(token, 'base64url');
    raw[40] = (raw[40] ?? 0) ^ 0x80;
    expect(reasonOf(() => formatter.validate(raw.toString('base64url')))).toBe('signature');
    expect(reasonOf(() => formatter.validate(token.slice(0, -4)))).not.toBe('valid');
    expect(reasonOf(() => formatter.validate(`${token}!`))).toBe('format');
    expect(reasonOf(() => formatter.validate(''))).toBe('format');
  });

  it('validate: refuses tokens from a key that is not in the repository', () => {
    const stranger = new TokenFormatter({ keys: () => [generateKey()] }, clock.now);
    expect(reasonOf(() => formatter.validate(stranger.create(projectPayload())))).toBe('signature');
  });

  it('validate: refuses a genuine token whose payload is not a Keystone payload', () => {
    // Signed with the real primary key, so only the payload check can catch it.
    const [primary] = ring.keys();
    const token = encrypt(Buffer.from([0x93, 0x05, 0x01, 0x02]), primary ?? '', clock.now());
    expect(reasonOf(() => formatter.validate(token))).toBe('payload');
  });

  it('rotation: old tokens validate until their key is purged', () => {
    const first = formatter.create(projectPayload()); // encrypted with key 1
    rotate(dir, 3); // 0,1,2 — key 1 is now a secondary
    clock.advance(1000);
    expect(reasonOf(() => formatter.validate(first))).toBe('valid');
    const second = formatter.create(projectPayload()); // encrypted with key 2
    rotate(dir, 3); // 0,2,3 — key 1 purged
    clock.advance(1000);
    expect(reasonOf(() => formatter.validate(first))).toBe('signature');
    expect(reasonOf(() => formatter.validate(second))).toBe('valid');
  });

  it('rotation: the staged key already decrypts, so a node that rotated first is understood', () => {
    // Another node promotes the shared staged key 0 before this one syncs.
    const [, staged] = ring.keys(); // [primary 1, staged 0]
    const otherNode = new TokenFormatter({ keys: () => [staged ?? ''] }, clock.now);
    expect(reasonOf(() => formatter.validate(otherNode.create(projectPayload())))).toBe('valid');
  });
});

describe('FernetKeyRing', () => {
  it('picks up a rotation by another process after at most a second', () => {
    const before = ring.keys();
    rotate(dir, 3);
    clock.advance(999);
    expect(ring.keys()).toBe(before); // not re-checked yet
    clock.advance(1);
    expect(ring.keys()).toHaveLength(3);
    expect(ring.keys()[1]).toBe(before[0]);
  });

  it('reload: re-reads at once', () => {
    ring.keys();
    rotate(dir, 3);
    ring.reload();
    expect(ring.keys()).toHaveLength(3);
  });

  it('throws KeysNotFoundError for a missing or empty repository', () => {
    const missing = new FernetKeyRing(join(root, 'nope'), clock.now);
    expect(() => missing.keys()).toThrow(KeysNotFoundError);
    expect(() => new TokenFormatter(missing, clock.now).create(projectPayload())).toThrow(KeysNotFoundError);
  });
});
