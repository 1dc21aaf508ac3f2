/**
 * Runs a Tempest selection against a Stratus cloud and counts results per test id.
 *
 *   node dist/test/tempest/run.js [--scenario] [--regex REGEX | --load-list FILE] [--concurrency N]
 *
 * starts its own cloud (with the [security_compliance] Tempest expects), runs the
 * selection (default: the whole tempest.api.identity module), prints the failing ids
 * and one summary line, and leaves summary.json / failures.txt / tempest.log under
 * .stratus/test-results/tempest/<label>/. With --scenario the cloud runs real QEMU
 * guests and the default selection is every scenario test, one worker (scenario.ts).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Cloud, startCloud } from '../lib/cloud.js';
import { ensureDebs } from '../lib/debs.js';
import { resultsDir as persistentResults } from '../lib/paths.js';
import { cleanOsEnv, run, tail } from '../lib/proc.js';
import { createWorkspace, stratusConfForTempest, type Workspace } from './conf.js';
import { parseSubunitCsv, parseSubunitV1, parseTestList, summarize, type TempestSummary } from './results.js';
import { TEMPEST_DEBS, tools } from '../lib/tools.js';

export interface Selection {
  /** Tempest --regex; ignored when loadList is given. */
  regex?: string;
  /** A file of exact test ids (tempest run --load-list). */
  loadList?: string;
}

export interface TempestRun extends TempestSummary {
  label: string;
  /** Number of selected test ids. */
  selected: number;
  /** Persistent copy of the results (summary.json, failures.txt, tempest.log, ...). */
  resultsDir: string;
  /** Tail of tempest's own output when it produced no results at all. */
  crash?: string;
}

function selectionArgs(sel: Selection): string[] {
  return sel.loadList ? ['--load-list', resolve(sel.loadList)] : ['--regex', sel.regex ?? 'tempest.api.identity'];
}

async function listSelection(ws: Workspace, sel: Selection): Promise<string[]> {
  if (sel.loadList) {
    return readFileSync(sel.loadList, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
  }
  const r = await run(tools.tempest, ['run', '--list-tests', ...selectionArgs(sel)], { cwd: ws.dir, env: cleanOsEnv(), timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`tempest run --list-tests failed: ${tail(r.stderr || r.stdout, 10)}`);
  return parseTestList(r.stdout);
}

/** Runs `sel` in `ws` and returns per-test results; `label` names the results folder. */
export async function runTempest(
  ws: Workspace,
  sel: Selection,
  opts: { label: string; concurrency?: number; timeoutMs?: number },
): Promise<TempestRun> {
  const out = join(ws.dir, 'results', opts.label);
  mkdirSync(out, { recursive: true });
  const selection = await listSelection(ws, sel);
  const env = cleanOsEnv();
  const tr = await run(tools.tempest, ['run', ...selectionArgs(sel), '--concurrency', String(opts.concurrency ?? 2)], {
    cwd: ws.dir, env, timeoutMs: opts.timeoutMs ?? 60 * 60_000,
  });
  writeFileSync(join(out, 'tempest-run.txt'), tr.stdout + tr.stderr + (tr.timedOut ? '\n[harness] timed out\n' : ''));

  const last = await run(tools.stestr, ['last', '--subunit'], { cwd: ws.dir, env, timeoutMs: 300_000 });
  const stream = last.code === 0 ? last.stdoutBytes : Buffer.alloc(0);
  writeFileSync(join(out, 'last.subunit'), stream);
  const csv = await run(tools.subunit2csv, [], { input: stream, env, timeoutMs: 300_000 });
  const v1 = await run(tools.subunit2to1, [], { input: stream, env, timeoutMs: 300_000 });
  writeFileSync(join(out, 'results.csv'), csv.stdout);
  const summary = summarize(selection, parseSubunitCsv(csv.stdout), parseSubunitV1(v1.stdoutBytes));

  const result: TempestRun = { label: opts.label, selected: selection.length, resultsDir: persistentResults(join('tempest', opts.label)), ...summary };
  if (stream.length === 0) result.crash = tail(tr.stdout + tr.stderr, 15);
  writeFileSync(join(out, 'summary.json'), `${JSON.stringify(result, null, 2)}\n`);
  const failures = summary.tests.filter((t) => t.status === 'failed').map((t) => `${t.id}  ${t.reason ?? ''}`);
  writeFileSync(join(out, 'failures.txt'), failures.length ? `${failures.join('\n')}\n` : '');
  // Tempest 33 writes tempest.log into its current directory despite [DEFAULT] log_dir.
  const log = [join(ws.dir, 'tempest.log'), join(ws.dir, 'logs', 'tempest.log')].find((f) => existsSync(f));
  if (log) cpSync(log, join(out, 'tempest.log'));
  rmSync(result.resultsDir, { recursive: true, force: true });
  cpSync(out, result.resultsDir, { recursive: true });
  return result;
}

/** Lines naming the failing tests (at most `max`, then a count of the rest). */
export function failureLines(r: TempestRun, max = 40): string[] {
  const failed = r.tests.filter((t) => t.status === 'failed');
  const lines = failed.slice(0, max).map((t) => `  FAIL  ${t.id}${t.reason ? `  ${t.reason}` : ''}`);
  if (failed.length > max) lines.push(`  ... and ${failed.length - max} more (see ${join(r.resultsDir, 'failures.txt')})`);
  if (r.crash) lines.push(`  tempest produced no results; its output ends with:\n${r.crash.replace(/^/gm, '    ')}`);
  return lines;
}

/** Skips grouped by reason, most frequent first (a skip is work left, not a pass). */
export function skipLines(r: TempestRun, max = 10): string[] {
  const counts = new Map<string, number>();
  for (const t of r.tests) if (t.status === 'skipped') counts.set(t.reason ?? '?', (counts.get(t.reason ?? '?') ?? 0) + 1);
  const sorted = [...counts].sort((x, y) => y[1] - x[1]);
  const lines = sorted.slice(0, max).map(([reason, n]) => `  skip  ${String(n).padStart(4)} x ${reason}`);
  if (sorted.length > max) lines.push(`  skip  ... and ${sorted.length - max} more reasons (see ${join(r.resultsDir, 'summary.json')})`);
  return lines;
}

/** Installs Tempest when possible; returns a note when it cannot be used. */
export async function tempestUnavailable(): Promise<string | undefined> {
  const debs = await ensureDebs(TEMPEST_DEBS);
  return debs.ok ? undefined : debs.note;
}

/**
 * Starts a cloud configured for Tempest, makes a workspace, runs `fn`, and always
 * removes both afterwards.
 */
export async function withTempestCloud<T>(label: string, fn: (cloud: Cloud, ws: Workspace) => Promise<T>): Promise<T> {
  const cloud = await startCloud({ tier: label, conf: stratusConfForTempest(), resultsDir: persistentResults(join('tempest', label)) });
  try {
    const ws = await createWorkspace(cloud);
    try {
      return await fn(cloud, ws);
    } finally {
      ws.remove();
    }
  } finally {
    await cloud.stop();
  }
}

/** What became of one service of a `runTempestLanes` call. */
export type ServiceOutcome =
  | { service: string; kind: 'ran'; run: TempestRun }
  /** The service type is not in the lane cloud's catalog. */
  | { service: string; kind: 'absent' }
  /** Its lane's cloud or workspace failed before the service ran (see the lane errors). */
  | { service: string; kind: 'not-run' };

/**
 * Runs each `[service type, regex]` selection with `workers(service)` Tempest workers.
 * Services in `ownCloud` each get a cloud and workspace of their own; all the others
 * share one and run one after the other; these lanes run at the same time. `report` is
 * called once per selection, in the order of `selections` (each as soon as it and all
 * before it are done), so output reads the same however the lanes interleave. Resolves
 * with one message per lane that failed outside Tempest (cloud start, workspace).
 */
export async function runTempestLanes(
  label: string,
  selections: ReadonlyArray<readonly [string, string]>,
  opts: { workers: (service: string) => number; ownCloud: ReadonlySet<string>; report: (outcome: ServiceOutcome) => void },
): Promise<string[]> {
  const outcomes: Array<ServiceOutcome | undefined> = selections.map(() => undefined);
  let next = 0;
  const settle = (i: number, outcome: ServiceOutcome): void => {
    outcomes[i] = outcome;
    for (let o = outcomes[next]; o !== undefined; o = outcomes[next]) {
      opts.report(o);
      next++;
    }
  };
  const indexed = selections.map(([service, regex], i) => ({ service, regex, i }));
  const shared = indexed.filter((s) => !opts.ownCloud.has(s.service));
  const lanes = [
    ...(shared.length > 0 ? [{ label, members: shared }] : []),
    ...indexed.filter((s) => opts.ownCloud.has(s.service)).map((s) => ({ label: `${label}-${s.service}`, members: [s] })),
  ];
  const errors: string[] = [];
  await Promise.all(
    lanes.map(async (lane) => {
      try {
        await withTempestCloud(lane.label, async (_cloud, ws) => {
          for (const { service, regex, i } of lane.members) {
            if (!ws.services.includes(service)) {
              settle(i, { service, kind: 'absent' });
              continue;
            }
            const run = await runTempest(ws, { regex }, { label: service, concurrency: opts.workers(service) });
            settle(i, { service, kind: 'ran', run });
          }
        });
      } catch (e) {
        errors.push(`${lane.label}: ${(e instanceof Error ? e.message : String(e)).trim()}`);
        for (const { service, i } of lane.members) if (outcomes[i] === undefined) settle(i, { service, kind: 'not-run' });
      }
    }),
  );
  return errors;
}

async function main(argv: string[]): Promise<number> {
  const sel: Selection = {};
  let concurrency: number | undefined;
  let scenario = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--scenario') {
      scenario = true;
      continue;
    }
    if (a === '--regex' && v) sel.regex = v;
    else if (a === '--load-list' && v) sel.loadList = v;
    else if (a === '--concurrency' && v && Number(v) > 0) concurrency = Number(v);
    else {
      process.stderr.write('usage: run.js [--scenario] [--regex REGEX | --load-list FILE] [--concurrency N]\n');
      return 2;
    }
    i++;
  }
  const missing = await tempestUnavailable();
  if (missing) {
    process.stdout.write(`tempest: skipped (${missing})\n`);
    return 0;
  }
  if (scenario) return scenarioMain(sel, concurrency);
  const label = sel.loadList ? 'load-list' : 'regex';
  const r = await withTempestCloud(label, (_cloud, ws) => runTempest(ws, sel, { label, concurrency: concurrency ?? 2 }));
  for (const l of [...failureLines(r), ...skipLines(r)]) process.stdout.write(`${l}\n`);
  process.stdout.write(`tempest: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${r.selected} selected; ${r.resultsDir})\n`);
  return r.failed > 0 ? 1 : 0;
}

async function scenarioMain(sel: Selection, concurrency: number | undefined): Promise<number> {
  // Imported here: the scenario module pulls in the guest build and the vm tier.
  const { runScenario, scenarioLines } = await import('./scenario.js');
  const r = await runScenario(sel, concurrency ? { concurrency } : {});
  for (const l of scenarioLines(r, 'tempest scenario')) process.stdout.write(`${l}\n`);
  return r.note || !r.run || r.run.failed > 0 || r.left.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
