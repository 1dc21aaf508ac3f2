import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, parseKey } from './fernet.js';

/**
 * Keystone's Fernet key repository (keystone/common/fernet_utils.py), kept
 * compatible so a directory can be shared with, or copied from, Keystone:
 *
 * - files are named by integer; `0` is the staged key, the highest number is
 *   the primary (encrypts), everything else is a secondary (decrypts only);
 * - a rotation promotes the staged key, so every node that has synced the
 *   repository already knew the next primary before it started encrypting.
 */

const STAGED = 0;
const TMP_NAME = '0.tmp';
const KEY_NAME = /^(0|[1-9]\d*)$/;

/** The repository has no staged key: `initialize` was never run. */
export class KeyRepositoryNotInitializedError extends Error {
  override readonly name = 'KeyRepositoryNotInitializedError';
  constructor(readonly dir: string) {
    super(`Fernet key repository ${dir} is not initialized; run fernet-setup first.`);
  }
}

/**
 * Creates `dir` (0700) and bootstraps it with a staged key 0 and a primary 1,
 * like `keystone-manage fernet_setup`. Does nothing when key 0 already exists.
 */
export function initialize(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(join(dir, String(STAGED)))) return;
  writeStagedKey(dir);
  // A single rotation turns the bootstrap key into primary 1 and stages a new 0; nothing is old enough to purge.
  rotate(dir, Number.MAX_SAFE_INTEGER);
}

/**
 * `keystone-manage fernet_rotate`: the staged key 0 becomes primary (highest+1),
 * a new staged key 0 is written, then the lowest-numbered keys are deleted until
 * the repository holds `maxActiveKeys` keys counting the new staged one.
 * As in Keystone, `maxActiveKeys = 1` leaves only the staged key.
 */
export function rotate(dir: string, maxActiveKeys: number): void {
  if (!Number.isInteger(maxActiveKeys) || maxActiveKeys < 1) {
    throw new RangeError('max_active_keys must be an integer >= 1.');
  }
  const files = listKeyFiles(dir);
  if (!files.has(STAGED)) throw new KeyRepositoryNotInitializedError(dir);

  // Written first (as Keystone does) so a failed write leaves the repository untouched.
  const tmp = writeTmpKey(dir);
  const newPrimary = Math.max(...files.keys()) + 1;
  renameSync(join(dir, String(STAGED)), join(dir, String(newPrimary)));
  files.delete(STAGED);
  files.set(newPrimary, join(dir, String(newPrimary)));
  renameSync(tmp, join(dir, String(STAGED)));

  // `files` excludes the new staged key, hence the `- 1`.
  const active = [...files.keys()].sort((a, b) => b - a);
  while (active.length > maxActiveKeys - 1) {
    const oldest = active.pop();
    if (oldest === undefined) break;
    rmSync(files.get(oldest) ?? join(dir, String(oldest)), { force: true });
  }
}

/**
 * All usable keys, primary (highest number) first and staged key 0 last; the
 * first one encrypts, all of them decrypt. Empty files are skipped as Keystone
 * does; a malformed key throws so a bad copy is noticed rather than ignored.
 */
export function loadKeys(dir: string): string[] {
  const keys: Array<{ id: number; key: string }> = [];
  for (const [id, path] of listKeyFiles(dir)) {
    const key = readKeyFile(path);
    if (key === undefined || key.length === 0) continue;
    try {
      parseKey(key);
    } catch (error) {
      throw new Error(`Invalid Fernet key in ${path}: ${(error as Error).message}`);
    }
    keys.push({ id, key });
  }
  return keys.sort((a, b) => b.id - a.id).map((k) => k.key);
}

/** A cheap fingerprint that changes whenever a key file is added, renamed or removed. */
export function repositoryVersion(dir: string): string {
  const st = statSync(dir, { bigint: true });
  return `${st.ino}:${st.mtimeNs}:${st.ctimeNs}`;
}

function listKeyFiles(dir: string): Map<number, string> {
  const files = new Map<number, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && KEY_NAME.test(entry.name)) files.set(Number(entry.name), join(dir, entry.name));
  }
  return files;
}

/** undefined when the file vanished between listing and reading (a concurrent rotation purged it). */
function readKeyFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function writeStagedKey(dir: string): void {
  renameSync(writeTmpKey(dir), join(dir, String(STAGED)));
}

/** Writes a new key to 0.tmp, owner-only and flushed, so the rename that publishes it is atomic. */
function writeTmpKey(dir: string): string {
  const path = join(dir, TMP_NAME);
  const fd = openSync(path, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600); // a stale 0.tmp keeps its old mode; the open mode only applies on create
    writeSync(fd, generateKey());
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw error;
  }
  closeSync(fd);
  return path;
}
