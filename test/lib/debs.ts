/**
 * Host tools the test tiers need come from Debian packages (python3-openstackclient,
 * tempest, ...). When they are missing and we run as root they are installed; when not
 * root the tier is skipped with a note saying what to install.
 */
import { run } from './proc.js';

export interface DebsResult {
  /** True when every package is installed (already, or by us just now). */
  ok: boolean;
  /** Packages still missing afterwards. */
  missing: string[];
  /** Human-readable explanation when not ok. */
  note?: string;
}

/** True when `dpkg -s` reports the package as installed. */
export async function isInstalled(pkg: string): Promise<boolean> {
  const r = await run('dpkg', ['-s', pkg], { timeoutMs: 30_000 });
  return r.code === 0 && /^Status: install ok installed$/m.test(r.stdout);
}

async function missingOf(pkgs: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const p of pkgs) if (!(await isInstalled(p))) missing.push(p);
  return missing;
}

/** Makes sure `pkgs` are installed; quick (one dpkg query each) when they already are. */
export async function ensureDebs(pkgs: readonly string[]): Promise<DebsResult> {
  let missing = await missingOf(pkgs);
  if (missing.length === 0) return { ok: true, missing };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    return {
      ok: false,
      missing,
      note: `not root; install with: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    };
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, timeoutMs: 20 * 60_000 });
  let r = await install();
  if (r.code !== 0) {
    // A fresh container often has no package lists yet.
    await run('apt-get', ['update'], { env, timeoutMs: 10 * 60_000 });
    r = await install();
  }
  missing = await missingOf(pkgs);
  if (missing.length === 0) return { ok: true, missing };
  return {
    ok: false,
    missing,
    note: `apt-get install failed for ${missing.join(' ')}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
  };
}
