import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ns-proxy.ts compiled to JavaScript in a fresh temporary directory, for tests that run
 * it with `node` (vitest runs the sources; dist/ may be missing or stale). Only that one
 * file is compiled, with the repository's TypeScript: it imports nothing but node:
 * modules. Returns the directory (the caller removes it) and the program's path.
 */
export async function compileNsProxy(): Promise<{ dir: string; program: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'stmdproxy-build-'));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const source = fileURLToPath(new URL('./ns-proxy.ts', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [tsc, '--outDir', dir, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
      '--strict', '--types', 'node', '--skipLibCheck', source], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`compiling ns-proxy.ts failed: ${stdout}${stderr}`));
      else resolve();
    });
  });
  // The emitted file is an ES module; outside the repository nothing says so.
  await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');
  return { dir, program: join(dir, 'ns-proxy.js') };
}
