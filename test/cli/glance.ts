/**
 * A thin driver for the legacy `glance` CLI (Debian's python3-glanceclient), which
 * reads no clouds.yaml: it is authenticated with the OS_* variables of a clouds.yaml
 * entry, the way an openrc would set them. Its output is prettytable text only.
 */
import type { CloudEntry } from '../lib/cloud.js';
import { cleanOsEnv, run } from '../lib/proc.js';
import { tools } from '../lib/tools.js';
import { CaseFailure, oneLine, quote, type OsResult } from './osc.js';

/** A prettytable as printed: the header cells and the data rows, cells trimmed. */
export interface Table {
  header: string[];
  rows: string[][];
}

/**
 * Parses prettytable output. A row whose first cell is empty continues the row above
 * (prettytable wraps long values); its cells are appended without a separator, which
 * is exact for the hashes and ids the cases compare.
 */
export function parseTable(text: string): Table {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('|') && l.endsWith('|'));
  const cells = lines.map((l) => l.slice(1, -1).split('|').map((c) => c.trim()));
  const [header = [], ...body] = cells;
  const rows: string[][] = [];
  for (const row of body) {
    const last = rows[rows.length - 1];
    if (row[0] === '' && last) row.forEach((c, i) => { last[i] = `${last[i] ?? ''}${c}`; });
    else rows.push(row);
  }
  return { header, rows };
}

/**
 * A legacy per-service client (glance, nova) authenticated from a clouds.yaml entry's
 * OS_* variables; its output is prettytable text.
 */
export class LegacyCli {
  /** `label` is shown before the command in failure reports (e.g. "as demo"). */
  constructor(
    private readonly entry: CloudEntry,
    private readonly label = '',
    private readonly name = 'glance',
    private readonly tool: () => string = () => tools.glance,
  ) {}

  private env(): NodeJS.ProcessEnv {
    const a = this.entry.auth;
    const env = cleanOsEnv();
    Object.assign(env, {
      OS_AUTH_URL: a.auth_url, OS_USERNAME: a.username ?? '', OS_PASSWORD: a.password ?? '',
      OS_PROJECT_NAME: a.project_name ?? '', OS_USER_DOMAIN_NAME: a.user_domain_name ?? 'Default',
      OS_PROJECT_DOMAIN_NAME: a.project_domain_name ?? 'Default', OS_IDENTITY_API_VERSION: '3',
    });
    if (this.entry.region_name) env.OS_REGION_NAME = this.entry.region_name;
    return env;
  }

  /** Runs `<tool> ARGS`; never throws. */
  async run(args: readonly string[]): Promise<OsResult> {
    const r = await run(this.tool(), args, { env: this.env(), timeoutMs: 120_000 });
    return {
      cmd: `${this.label ? `(${this.label}) ` : ''}${this.name} ${args.map(quote).join(' ')}`,
      code: r.code,
      stdout: r.stdout,
      stderr: r.spawnError ? String(r.spawnError) : r.stderr,
    };
  }

  /** Runs the command and requires exit 0. */
  async ok(args: readonly string[]): Promise<OsResult> {
    const r = await this.run(args);
    if (r.code !== 0) throw new CaseFailure(`exited ${r.code}`, r);
    return r;
  }

  /** Runs the command and requires it to FAIL (non-zero exit). */
  async fails(args: readonly string[]): Promise<OsResult> {
    const r = await this.run(args);
    if (r.code === 0) throw new CaseFailure(`expected a non-zero exit, got 0 (stdout: ${oneLine(r.stdout)})`, r);
    return r;
  }

  /** A `| Property | Value |` table (image-show, image-create, ...) as a record. */
  static properties(r: OsResult): Record<string, string> {
    const t = parseTable(r.stdout);
    if (t.header[0] !== 'Property') throw new CaseFailure(`no Property/Value table in: ${oneLine(r.stdout)}`, r);
    return Object.fromEntries(t.rows.map((row) => [row[0] ?? '', row[1] ?? '']));
  }

  /** A listing table (image-list, ...) as records keyed by the header cells. */
  static rows(r: OsResult): Array<Record<string, string>> {
    const t = parseTable(r.stdout);
    if (t.header.length === 0) throw new CaseFailure(`no table in: ${oneLine(r.stdout)}`, r);
    return t.rows.map((row) => Object.fromEntries(t.header.map((h, i) => [h, row[i] ?? ''])));
  }
}

/** The legacy Image API client (python3-glanceclient). */
export class GlanceCli extends LegacyCli {}

/** The legacy Compute API client (python3-novaclient). */
export class NovaCli extends LegacyCli {
  constructor(entry: CloudEntry, label = '') {
    super(entry, label, 'nova', () => tools.nova);
  }
}
