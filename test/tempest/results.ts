/**
 * Turning a Tempest run into per-test results. Statuses come from
 * `stestr last --subunit | subunit2csv`; skip reasons and failure tracebacks from the
 * same stream through `subunit-2to1` (the text protocol carries the attachments the
 * CSV leaves out). Class fixtures (`setUpClass (module.Class)`) are spread over the
 * selected tests of their class, and a selected test that reports nothing counts as
 * failed: it did not run.
 */

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestResult {
  id: string;
  status: TestStatus;
  /** Skip reason, or the one-line cause of a failure. */
  reason?: string;
}

export interface TempestSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** Every selected test (plus class fixtures that failed outside any test). */
  tests: TestResult[];
}

/** One parsed subunit2csv row. */
export interface CsvRow {
  test: string;
  status: string;
}

/** RFC 4180 CSV (quotes, doubled quotes, CRLF), as Python's csv module writes it. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The rows of subunit2csv output (header `test,status,start_time,stop_time`). */
export function parseSubunitCsv(text: string): CsvRow[] {
  const rows = parseCsv(text);
  const header = rows.shift() ?? [];
  const ti = header.indexOf('test');
  const si = header.indexOf('status');
  if (ti < 0 || si < 0) return [];
  return rows.filter((r) => r.length > Math.max(ti, si)).map((r) => ({ test: r[ti] ?? '', status: r[si] ?? '' }));
}

/** What subunit v1 says about one test: its outcome and its named attachments. */
export interface V1Outcome {
  status: string;
  details: Record<string, string>;
}

const OUTCOME = /^(success|successful|failure|error|skip|xfail|uxsuccess):\s*(.*?)\s*(\[( multipart)?)?$/;

/**
 * Parses the subunit v1 text protocol (as `subunit-2to1` writes it) into outcomes per
 * test id. Chunked attachment lengths are byte counts, so this works on bytes.
 */
export function parseSubunitV1(buf: Buffer): Map<string, V1Outcome> {
  const out = new Map<string, V1Outcome>();
  let pos = 0;
  const readLine = (): string | null => {
    if (pos >= buf.length) return null;
    const nl = buf.indexOf(0x0a, pos);
    const end = nl < 0 ? buf.length : nl;
    const line = buf.subarray(pos, end).toString('utf8');
    pos = end + 1;
    return line.replace(/\r$/, '');
  };
  for (let line = readLine(); line !== null; line = readLine()) {
    const m = OUTCOME.exec(line);
    if (!m) continue;
    const [, status = '', id = '', bracket, multipart] = m;
    const details: Record<string, string> = {};
    if (multipart) {
      // Parts: "Content-Type: ...", "name", then chunks "HEX\r\n<bytes>" ending with "0\r\n"; "]" ends the list.
      for (let l = readLine(); l !== null && l !== ']'; l = readLine()) {
        if (!l.startsWith('Content-Type:')) continue;
        const name = readLine() ?? '';
        const parts: Buffer[] = [];
        for (;;) {
          const size = readLine();
          const n = size === null ? 0 : parseInt(size, 16);
          if (!Number.isFinite(n) || n <= 0) break;
          parts.push(buf.subarray(pos, pos + n));
          pos += n;
        }
        details[name] = Buffer.concat(parts).toString('utf8');
      }
    } else if (bracket) {
      // Simple form: text lines up to a lone "]" (lines starting with " ]" are escaped).
      const lines: string[] = [];
      for (let l = readLine(); l !== null && l !== ']'; l = readLine()) lines.push(l.startsWith(' ]') ? l.slice(1) : l);
      details[status === 'skip' ? 'reason' : 'traceback'] = lines.join('\n');
    }
    out.set(id, { status, details });
  }
  return out;
}

/** The exception line (plus Tempest's "Details:" line) that ends a Python traceback. */
export function oneLineReason(text: string, max = 300): string {
  const lines = text.split('\n').map((l) => l.trimEnd());
  let reason = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (/^[A-Za-z_][\w.]*(: .*|:)?$/.test(l) && !/^(Traceback|During handling|The above exception|Details:)/.test(l)) {
      reason = l;
      const next = lines[i + 1] ?? '';
      if (next.startsWith('Details:')) reason += ` ${next}`;
    }
  }
  if (!reason) reason = lines.filter((l) => l.trim()).slice(-1)[0] ?? '';
  reason = reason.trim();
  return reason.length > max ? `${reason.slice(0, max)}...` : reason;
}

/** Test id without its `[id-...,smoke]` attribute list. */
export function baseId(id: string): string {
  return id.replace(/\[[^\]]*\]$/, '');
}

function toStatus(subunit: string): TestStatus {
  if (subunit === 'skip') return 'skipped';
  if (subunit === 'success' || subunit === 'successful' || subunit === 'xfail') return 'passed';
  return 'failed';
}

const FIXTURE = /^(setUpClass|tearDownClass|setUpModule|tearDownModule) \((.+)\)$/;

function reasonOf(status: TestStatus, outcome: V1Outcome | undefined): string | undefined {
  if (!outcome || status === 'passed') return undefined;
  if (status === 'skipped') return (outcome.details.reason ?? '').trim() || undefined;
  const text = outcome.details.traceback ?? Object.values(outcome.details).join('\n');
  return oneLineReason(text) || undefined;
}

/**
 * Per-test results for `selection` (full test ids; empty = whatever ran). `rows` are
 * the CSV statuses, `outcomes` the v1 details used for reasons.
 */
export function summarize(selection: readonly string[], rows: readonly CsvRow[], outcomes: Map<string, V1Outcome>): TempestSummary {
  const own = new Map<string, TestResult>();
  const fixtures: Array<{ kind: string; target: string; result: TestResult }> = [];
  for (const row of rows) {
    const status = toStatus(row.status);
    const result: TestResult = { id: row.test, status };
    const reason = reasonOf(status, outcomes.get(row.test));
    if (reason) result.reason = reason;
    const fx = FIXTURE.exec(row.test);
    if (fx) {
      fixtures.push({ kind: fx[1] ?? '', target: fx[2] ?? '', result });
      continue;
    }
    const key = baseId(row.test);
    const prev = own.get(key);
    // A test reported twice (a retry, a worker restart): the worse outcome stands.
    if (!prev || prev.status !== 'failed') own.set(key, result);
  }

  const tests: TestResult[] = [];
  const ids = selection.length > 0 ? selection : [...own.values()].map((r) => r.id);
  const seen = new Set<string>();
  for (const id of ids) {
    const key = baseId(id);
    if (seen.has(key)) continue;
    seen.add(key);
    const mine = own.get(key);
    if (mine) {
      tests.push({ ...mine, id });
      continue;
    }
    const fx = fixtures.find((f) => f.kind.startsWith('setUp') && f.result.status !== 'passed' && key.startsWith(`${f.target}.`));
    if (fx) {
      const reason = fx.result.status === 'skipped' ? fx.result.reason : `${fx.kind} failed: ${fx.result.reason ?? ''}`;
      tests.push({ id, status: fx.result.status, ...(reason ? { reason } : {}) });
    } else {
      tests.push({ id, status: 'failed', reason: 'reported nothing in the subunit stream (did not run)' });
    }
  }
  // Results outside the selection (should not happen) still count.
  for (const [key, r] of own) if (!seen.has(key)) tests.push(r);
  // A failing tearDownClass is a failure of its own (leaked or undeletable resources).
  for (const f of fixtures) if (f.kind.startsWith('tearDown') && f.result.status === 'failed') tests.push(f.result);

  const count = (s: TestStatus) => tests.filter((t) => t.status === s).length;
  return { passed: count('passed'), failed: count('failed'), skipped: count('skipped'), tests };
}

/** `tempest run --list-tests` output -> test ids. */
export function parseTestList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^tempest\.\S+$/.test(l));
}
