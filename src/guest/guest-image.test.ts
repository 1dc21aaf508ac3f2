import { chmod, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GUEST_DIR, guestImageKey } from './guest-image.js';

describe('guestImageKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'guest-key-'));
    await cp(GUEST_DIR, dir, { recursive: true });
  });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('key: stable for the same files and kernel', async () => {
    expect(await guestImageKey('linux-image-6.1.0-50-cloud-amd64', dir))
      .toBe(await guestImageKey('linux-image-6.1.0-50-cloud-amd64', dir));
  });

  it('key: a changed guest file rebuilds', async () => {
    const before = await guestImageKey('k', dir);
    await writeFile(join(dir, 'rootfs', 'etc', 'hostname'), 'changed\n');
    expect(await guestImageKey('k', dir)).not.toBe(before);
  });

  it('key: a new file, or a file losing its executable bit, rebuilds', async () => {
    const before = await guestImageKey('k', dir);
    await chmod(join(dir, 'rootfs', 'etc', 'init.d', 'rcS'), 0o644);
    const afterChmod = await guestImageKey('k', dir);
    expect(afterChmod).not.toBe(before);
    await writeFile(join(dir, 'rootfs', 'etc', 'motd'), 'hi\n');
    expect(await guestImageKey('k', dir)).not.toBe(afterChmod);
  });

  it('key: a new kernel package rebuilds', async () => {
    expect(await guestImageKey('linux-image-6.1.0-51-cloud-amd64', dir))
      .not.toBe(await guestImageKey('linux-image-6.1.0-50-cloud-amd64', dir));
  });
});
