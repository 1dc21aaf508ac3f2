/**
 * The operator's policy.yaml (or policy.json): rule name -> rule. Re-read when the
 * file changes, polled from the request path at most once per interval with one
 * stat() call, so there is no watcher or timer to keep the process alive or dispose.
 */
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Check } from './checks.js';
import { PolicyParseError, parseRule, type ListRule } from './parser.js';

/** One overridden rule: its source text and parsed tree. */
export interface OverrideRule {
  readonly text: string;
  readonly check: Check;
}

/** Reads and parses a policy file. A missing file means no overrides; anything malformed throws. */
export function loadOverrides(path: string): Map<string, OverrideRule> {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return new Map();
    throw err;
  }
  return parseOverrides(raw, path);
}

/** Parses policy file text (YAML, which also reads JSON). `source` names the file in errors. */
export function parseOverrides(raw: string, source: string): Map<string, OverrideRule> {
  let doc: unknown;
  try {
    doc = parseYaml(raw);
  } catch (err) {
    throw new Error(`Policy file ${source} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  const rules = new Map<string, OverrideRule>();
  if (doc === null || doc === undefined) return rules; // an empty file overrides nothing
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error(`Policy file ${source} must be a mapping of rule name to rule`);
  }
  for (const [name, value] of Object.entries(doc)) {
    if (typeof value !== 'string' && !isListRule(value)) {
      throw new Error(`Policy file ${source}: rule "${name}" must be a string`);
    }
    try {
      rules.set(name, { text: typeof value === 'string' ? value : JSON.stringify(value), check: parseRule(value) });
    } catch (err) {
      if (err instanceof PolicyParseError) throw new Error(`Policy file ${source}, rule "${name}": ${err.message}`);
      throw err;
    }
  }
  return rules;
}

function isListRule(value: unknown): value is ListRule {
  return (
    Array.isArray(value) &&
    value.every((inner) => typeof inner === 'string' || (Array.isArray(inner) && inner.every((s) => typeof s === 'string')))
  );
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}

/** What identifies one version of the file; mtime alone misses same-millisecond rewrites. */
function fingerprint(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.mtimeNs}:${st.size}:${st.ino}`;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** A policy file plus the knowledge of which version of it is loaded. */
export class OverrideFile {
  private version: string | undefined;
  private lastPoll: number;
  private rules: Map<string, OverrideRule>;

  /**
   * Loads the file now (nowMs counts as the first poll); throws if it exists but is
   * malformed, so startup fails loudly.
   */
  constructor(
    readonly path: string,
    private readonly pollIntervalMs: number,
    nowMs: number,
  ) {
    this.lastPoll = nowMs;
    this.version = fingerprint(path);
    this.rules = loadOverrides(path);
  }

  /** The rules of the version last loaded successfully. */
  current(): ReadonlyMap<string, OverrideRule> {
    return this.rules;
  }

  /**
   * Re-reads the file if it changed since the last load and the poll interval has
   * passed. Returns true when the rules changed. A malformed new version throws and
   * the previous rules stay in force; a deleted file drops all overrides.
   */
  poll(nowMs: number): boolean {
    if (nowMs - this.lastPoll < this.pollIntervalMs) return false;
    this.lastPoll = nowMs;
    const version = fingerprint(this.path);
    if (version === this.version) return false;
    // Remember the version even if it fails to parse, so a broken file is reported
    // once per change rather than on every poll.
    this.version = version;
    this.rules = version === undefined ? new Map() : loadOverrides(this.path);
    return true;
  }
}
