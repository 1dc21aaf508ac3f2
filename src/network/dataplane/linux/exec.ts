import { runCommand } from '../../../core/exec.js';

export { CommandFailed, runCommand, type CommandOptions } from '../../../core/exec.js';

/** `ip -j ...` parsed (ip prints nothing at all, not `[]`, when a list is empty). */
export async function ipJson<T>(args: readonly string[], netns?: string): Promise<T[]> {
  const out = await runCommand('ip', ['-j', ...(netns ? ['-n', netns] : []), ...args]);
  return out.trim() === '' ? [] : JSON.parse(out) as T[];
}
