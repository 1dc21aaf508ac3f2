/** Where things are, independent of the current directory. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The repository root. Compiled, this file is dist/test/lib/paths.js; run from source
 * (vitest), it is test/lib/paths.ts.
 */
export const repoRoot = here.includes(`${join('dist', 'test', 'lib')}`) ? join(here, '..', '..', '..') : join(here, '..', '..');

/** Persistent (git-ignored) home of test results: .stratus/test-results/<tier>. */
export function resultsDir(tier: string): string {
  return join(repoRoot, '.stratus', 'test-results', tier);
}
