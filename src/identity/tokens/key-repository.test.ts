import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialize, KeyRepositoryNotInitializedError, loadKeys, rotate } from './key-repository.js';

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'stratus-fernet-'));
  dir = join(root, 'keys');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const names = (): string[] => readdirSync(dir).sort((a, b) => Number(a) - Number(b));
const key = (name: string): string => readFileSync(join(dir, name), 'utf8');

describe('key repository', () => {
  it('initialize: creates a 0700 directory with staged 0 and primary 1, owner-only', () => {
    initialize(dir);
    expect(names()).toEqual(['0', '1']);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of names()) {
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
      expect(key(name)).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    }
    expect(key('0')).not.toBe(key('1'));
  });

  it('initialize: leaves an initialized repository alone', () => {
    initialize(dir);
    const before = [key('0'), key('1')];
    initialize(dir);
    expect(names()).toEqual(['0', '1']);
    expect([key('0'), key('1')]).toEqual(before);
  });

  it('rotate: promotes the staged key to highest+1 and stages a new one', () => {
    initialize(dir);
    const staged = key('0');
    rotate(dir, 3);
    expect(names()).toEqual(['0', '1', '2']);
    expect(key('2')).toBe(staged);
    expect(key('0')).not.toBe(staged);
  });

  it('rotate: purges the lowest secondaries beyond max_active_keys', () => {
    initialize(dir);
    for (let i = 0; i < 4; i++) rotate(dir, 3);
    // Keystone: staged 0 plus the two newest (primary 5 and secondary 4).
    expect(names()).toEqual(['0', '4', '5']);
  });

  it('rotate: lowering max_active_keys purges down to it in one rotation', () => {
    initialize(dir);
    for (let i = 0; i < 4; i++) rotate(dir, 10);
    expect(names()).toEqual(['0', '1', '2', '3', '4', '5']);
    rotate(dir, 2);
    expect(names()).toEqual(['0', '6']);
  });

  it('rotate: with max_active_keys 1 keeps only the staged key, as Keystone does', () => {
    initialize(dir);
    rotate(dir, 1);
    expect(names()).toEqual(['0']);
  });

  it('rotate: refuses an uninitialized repository and bad limits', () => {
    expect(() => rotate(root, 3)).toThrow(KeyRepositoryNotInitializedError);
    initialize(dir);
    expect(() => rotate(dir, 0)).toThrow(RangeError);
  });

  it('loadKeys: orders primary first, secondaries descending, staged last', () => {
    initialize(dir);
    rotate(dir, 5);
    rotate(dir, 5);
    expect(loadKeys(dir)).toEqual([key('3'), key('2'), key('1'), key('0')]);
  });

  it('loadKeys: ignores non-numeric names and empty files, rejects malformed keys', () => {
    initialize(dir);
    writeFileSync(join(dir, '0.tmp'), 'leftover');
    writeFileSync(join(dir, 'README'), 'x');
    writeFileSync(join(dir, '7'), '');
    expect(loadKeys(dir)).toEqual([key('1'), key('0')]);
    writeFileSync(join(dir, '8'), 'short');
    expect(() => loadKeys(dir)).toThrow(/Invalid Fernet key in .*8/);
  });

  it('loadKeys: accepts a trailing newline, as keys copied by hand often have', () => {
    initialize(dir);
    writeFileSync(join(dir, '2'), `${key('1')}\n`);
    expect(loadKeys(dir)[0]).toBe(key('1'));
  });
});
