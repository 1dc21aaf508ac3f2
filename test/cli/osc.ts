/**
 * A thin driver for the official `openstack` CLI plus a recorder of named cases:
 * each case passes or fails as a whole, and a failure prints ONE line naming the
 * case, the command that went wrong and the tail of its stderr.
 */
import type { Cloud } from '../lib/cloud.js';
import { cleanOsEnv, run } from '../lib/proc.js';
import { tools } from '../lib/tools.js';

export interface OsResult {
  /** The command line as a user would type it (for failure reports). */
  cmd: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface OsOptions {
  /** clouds.yaml entry to use (OS_CLOUD); default `stratus`; null = no OS_CLOUD at all. */
  cloud?: string | null;
  /** clouds.yaml to use instead of the cloud's own DIR/clouds.yaml. */
  cloudsFile?: string;
  /** Extra environment (OS_AUTH_TYPE, OS_TOKEN, ...). */
  env?: Record<string, string>;
}

/** Thrown by assertions inside a case; carries the command that showed the problem. */
export class CaseFailure extends Error {
  constructor(
    message: string,
    readonly result?: OsResult,
  ) {
    super(message);
  }
}

/** `arg` as a POSIX shell would need it quoted (for the command lines failures show). */
export function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The last three non-empty lines of `text` on one line, cut at `max` characters. */
export function oneLine(text: string, max = 400): string {
  const s = text.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

export class OpenStackCli {
  constructor(private readonly cloud: Cloud) {}

  /** The clouds.yaml the cloud wrote (for the other official clients). */
  get cloudsFile(): string {
    return this.cloud.cloudsFile;
  }

  /** Runs `openstack ARGS`; never throws. */
  async run(args: readonly string[], opts: OsOptions = {}): Promise<OsResult> {
    const env = cleanOsEnv();
    env.OS_CLIENT_CONFIG_FILE = opts.cloudsFile ?? this.cloud.cloudsFile;
    const cloudName = opts.cloud === undefined ? 'stratus' : opts.cloud;
    if (cloudName !== null) env.OS_CLOUD = cloudName;
    Object.assign(env, opts.env ?? {});
    const r = await run(tools.openstack, args, { env, timeoutMs: 120_000 });
    const shown = Object.entries(opts.env ?? {})
      .filter(([k]) => k !== 'OS_AUTH_URL' && k !== 'OS_IDENTITY_API_VERSION')
      .map(([k, v]) => `${k}=${/PASSWORD|SECRET|TOKEN/.test(k) ? '***' : quote(v)}`);
    if (cloudName && cloudName !== 'stratus') shown.unshift(`OS_CLOUD=${cloudName}`);
    const prefix = shown.length ? `${shown.join(' ')} ` : '';
    return {
      cmd: `${prefix}openstack ${args.map(quote).join(' ')}`,
      code: r.code,
      stdout: r.stdout,
      stderr: r.spawnError ? String(r.spawnError) : r.stderr,
    };
  }

  /** Runs the command and requires exit 0. */
  async ok(args: readonly string[], opts?: OsOptions): Promise<OsResult> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new CaseFailure(`exited ${r.code}`, r);
    return r;
  }

  /** Runs the command with `-f json`, requires exit 0 and returns the parsed output. */
  async json<T = Record<string, unknown>>(args: readonly string[], opts?: OsOptions): Promise<T> {
    const r = await this.ok([...args, '-f', 'json'], opts);
    try {
      return JSON.parse(r.stdout) as T;
    } catch {
      throw new CaseFailure(`output is not JSON: ${oneLine(r.stdout)}`, r);
    }
  }

  /** Runs the command and requires it to FAIL (non-zero exit). */
  async fails(args: readonly string[], opts?: OsOptions): Promise<OsResult> {
    const r = await this.run(args, opts);
    if (r.code === 0) throw new CaseFailure(`expected a non-zero exit, got 0 (stdout: ${oneLine(r.stdout)})`, r);
    return r;
  }
}

/** Asserts `cond`; `result` names the command whose output was wrong. */
export function check(cond: boolean, message: string, result?: OsResult): asserts cond {
  if (!cond) throw new CaseFailure(message, result);
}

/** Asserts two values are equal (compared as JSON). */
export function checkEqual(actual: unknown, expected: unknown, what: string, result?: OsResult): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new CaseFailure(`${what}: expected ${e}, got ${a}`, result);
}

export interface CaseTotals {
  passed: number;
  failed: number;
}

export class CaseRecorder {
  readonly totals: CaseTotals = { passed: 0, failed: 0 };
  readonly failures: string[] = [];

  constructor(private readonly verbose: boolean) {}

  /** Runs one named case; any exception fails it with a one-line report. */
  async case(name: string, body: () => Promise<void>): Promise<boolean> {
    try {
      await body();
      this.totals.passed++;
      if (this.verbose) process.stdout.write(`  ok    ${name}\n`);
      return true;
    } catch (e) {
      this.totals.failed++;
      let line = `  FAIL  ${name}: ${(e as Error).message.split('\n')[0]}`;
      if (e instanceof CaseFailure && e.result) {
        line += ` | $ ${e.result.cmd}`;
        if (e.result.stderr.trim()) line += ` | stderr: ${oneLine(e.result.stderr)}`;
      }
      this.failures.push(line);
      process.stdout.write(`${line}\n`);
      return false;
    }
  }
}
