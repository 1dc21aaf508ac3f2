import { execFileSync } from 'node:child_process';

/** Whether the tests run as root with these host tools on PATH (the namespace tests need both). */
export function isRootWith(tools: readonly string[]): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('sh', ['-c', tools.map((t) => `command -v ${t}`).join(' && ')], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A host command's stdout; throws with its stderr when it fails. */
export const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A host command whose failure does not matter (cleanup of something that may not exist). */
export const quietly = (cmd: string, args: string[]): void => {
  try {
    sh(cmd, args);
  } catch {
    // nothing to clean up
  }
};
