import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { CommandFailed, runCommand } from '../../../core/exec.js';
import { DriverError } from '../driver.js';

/**
 * Writes a config drive as Nova's configdrive.py does: an ISO 9660 image with Rock Ridge
 * and Joliet, volume label `config-2`, holding the metadata tree (openstack/..., ec2/...)
 * the metadata service would serve. Built with genisoimage and Nova's own flags.
 */
export async function writeConfigDrive(target: string, files: Record<string, string | Buffer>): Promise<void> {
  const stage = await mkdtemp(join(dirname(target), '.configdrive-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      const clean = normalize(path).replace(/^(\.\.(\/|$))+/, '');
      if (clean.startsWith('/') || clean.split('/').includes('..')) throw new DriverError(`config drive path ${path} leaves the drive`);
      const full = join(stage, clean);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    }
    await runCommand('genisoimage', [
      '-o', target, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'Stratus', '-quiet', '-J', '-r', '-V', 'config-2', stage,
    ], { timeoutMs: 120_000 });
  } catch (e) {
    if (e instanceof CommandFailed) throw new DriverError(`config drive not written: ${e.stderr.trim()}`);
    throw e;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
