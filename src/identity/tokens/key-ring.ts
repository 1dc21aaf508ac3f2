import { loadKeys, repositoryVersion } from './key-repository.js';

/** The repository holds no usable key (Keystone's KeysNotFound). */
export class KeysNotFoundError extends Error {
  override readonly name = 'KeysNotFoundError';
  constructor(readonly dir: string) {
    super(`Fernet key repository ${dir} does not contain keys; run fernet-setup to create them.`);
  }
}

/** What TokenFormatter needs from a key source; a fixed list works in tests. */
export interface KeySource {
  /** Primary first (it encrypts); every key decrypts. Throws KeysNotFoundError when there are none. */
  keys(): readonly string[];
}

/**
 * Keys loaded from a repository and reloaded when it changes, so a rotation by
 * another process (`stratus identity fernet-rotate`, or rsync from the node
 * that rotated) is picked up without a restart. The directory is stat'ed at
 * most once per `checkIntervalMs`, keeping token validation off the disk.
 */
export class FernetKeyRing implements KeySource {
  private cached: readonly string[] = [];
  private version: string | undefined;
  private lastCheck = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly dir: string,
    private readonly clock: () => Date,
    private readonly checkIntervalMs = 1000,
  ) {}

  keys(): readonly string[] {
    const now = this.clock().getTime();
    if (now - this.lastCheck >= this.checkIntervalMs || now < this.lastCheck) {
      this.lastCheck = now;
      this.refresh();
    }
    if (this.cached.length === 0) throw new KeysNotFoundError(this.dir);
    return this.cached;
  }

  /** Reloads immediately, e.g. right after this process rotated the keys itself. */
  reload(): void {
    this.lastCheck = this.clock().getTime();
    this.version = undefined;
    this.refresh();
  }

  private refresh(): void {
    let version: string;
    try {
      version = repositoryVersion(this.dir);
    } catch (error) {
      // A missing repository means no keys, which keys() reports; other errors are real faults.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.cached = [];
      this.version = undefined;
      return;
    }
    if (version === this.version) return;
    this.cached = Object.freeze(loadKeys(this.dir));
    this.version = version;
  }
}
