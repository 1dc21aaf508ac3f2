/** Running vitest from the harness and reading its JSON report. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExit } from './exit.js';
import { repoRoot } from './paths.js';
import { run, tail } from './proc.js';

export interface VitestResult {
  passed: number;
  failed: number;
  /** One `  FAIL  name: first line of the message` per failed test or broken file. */
  failures: string[];
}

interface VitestReport {
  numPassedTests?: number;
  numFailedTests?: number;
  testResults?: Array<{
    name?: string;
    status?: string;
    message?: string;
    assertionResults?: Array<{ fullName?: string; status?: string; failureMessages?: string[] }>;
  }>;
}

/**
 * `npx vitest run ARGS --reporter=json` in the repository root with `env` (the complete
 * environment). A file that fails to load counts as one failed test; no report at all
 * counts as one failure carrying vitest's output. Vitest is started with node directly,
 * not through npx, so the PID the harness kills on interruption is vitest itself (whose
 * workers exit with it), not an npx wrapper whose children would live on.
 */
export async function runVitest(args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 30 * 60_000): Promise<VitestResult> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-vitest-'));
  const unregister = onExit(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const file = join(dir, 'vitest.json');
    const vitest = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
    const r = await run(process.execPath, [vitest, 'run', ...args, '--reporter=json', `--outputFile=${file}`], { cwd: repoRoot, env, timeoutMs });
    let report: VitestReport;
    try {
      report = JSON.parse(readFileSync(file, 'utf8')) as VitestReport;
    } catch {
      const why = r.timedOut ? 'timed out' : `exit ${r.code}`;
      return { passed: 0, failed: 1, failures: [`  FAIL  vitest wrote no report (${why}): ${tail(r.stderr || r.stdout, 10)}`] };
    }
    let failed = report.numFailedTests ?? 0;
    const failures: string[] = [];
    for (const f of report.testResults ?? []) {
      const bad = (f.assertionResults ?? []).filter((a) => a.status === 'failed');
      for (const a of bad) failures.push(`  FAIL  ${a.fullName ?? '?'}: ${(a.failureMessages?.[0] ?? '').split('\n')[0]}`);
      if (f.status === 'failed' && bad.length === 0) {
        // The file itself failed (syntax/import error, a hook threw): no test in it ran.
        failed++;
        failures.push(`  FAIL  ${f.name ?? '?'}: ${(f.message ?? '').split('\n')[0]}`);
      }
    }
    return { passed: report.numPassedTests ?? 0, failed, failures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    unregister();
  }
}
