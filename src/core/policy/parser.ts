/**
 * The oslo.policy rule language: checks joined by `and`, `or`, `not` and parentheses,
 * with oslo's precedence (not > and > or). Unlike oslo, which logs and fails closed on
 * a rule it cannot understand, we throw: a typo in policy.yaml should be loud at load
 * time, not a silent 403 later.
 */
import type { Check } from './checks.js';
import { compileTemplate } from './template.js';

/** A rule that cannot be parsed. `rule` is the offending text. */
export class PolicyParseError extends Error {
  readonly rule: string;
  constructor(rule: string, reason: string) {
    super(`Invalid policy rule "${rule}": ${reason}`);
    this.name = 'PolicyParseError';
    this.rule = rule;
  }
}

/** The legacy JSON form: outer list joined by `or`, inner lists by `and`. */
export type ListRule = readonly (string | readonly string[])[];

/** Parses a rule string (or the legacy list-of-lists form) into a check tree. */
export function parseRule(rule: string | ListRule): Check {
  return typeof rule === 'string' ? parseTextRule(rule) : parseListRule(rule);
}

type Token = { kind: '(' | ')' | 'and' | 'or' | 'not' } | { kind: 'check'; text: string };

export function parseTextRule(rule: string): Check {
  // An empty rule allows everyone, as in oslo ("" in policy.yaml means "always").
  if (rule.trim() === '') return { type: 'true' };
  const tokens = tokenize(rule);
  let pos = 0;
  const fail = (reason: string): never => {
    throw new PolicyParseError(rule, reason);
  };
  const peek = (): Token | undefined => tokens[pos];

  const parseOr = (): Check => {
    const checks = [parseAnd()];
    while (peek()?.kind === 'or') {
      pos++;
      checks.push(parseAnd());
    }
    return checks.length === 1 && checks[0] ? checks[0] : { type: 'or', checks };
  };
  const parseAnd = (): Check => {
    const checks = [parseUnary()];
    while (peek()?.kind === 'and') {
      pos++;
      checks.push(parseUnary());
    }
    return checks.length === 1 && checks[0] ? checks[0] : { type: 'and', checks };
  };
  const parseUnary = (): Check => {
    const tok = tokens[pos++];
    if (tok === undefined) return fail('unexpected end of rule');
    switch (tok.kind) {
      case 'not':
        return { type: 'not', check: parseUnary() };
      case '(': {
        const inner = parseOr();
        if (tokens[pos++]?.kind !== ')') fail('missing ")"');
        return inner;
      }
      case 'check':
        return parseCheck(rule, tok.text);
      default:
        return fail(`unexpected "${tok.kind}"`);
    }
  };

  const tree = parseOr();
  const extra = peek();
  if (extra !== undefined) fail(`unexpected "${extra.kind === 'check' ? extra.text : extra.kind}"`);
  return tree;
}

/**
 * Splits on whitespace outside quotes, then peels parentheses off the ends of each
 * word the way oslo does: "%(x)s" keeps its inner parens because they are never at
 * a word's start or end.
 */
function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  for (const word of splitWords(rule)) {
    let start = 0;
    let end = word.length;
    while (start < end && word[start] === '(') {
      tokens.push({ kind: '(' });
      start++;
    }
    let trailing = 0;
    while (end > start && word[end - 1] === ')') {
      end--;
      trailing++;
    }
    const text = word.slice(start, end);
    if (text !== '') {
      const lower = text.toLowerCase();
      if (lower === 'and' || lower === 'or' || lower === 'not') tokens.push({ kind: lower });
      else if (isQuoted(text)) throw new PolicyParseError(rule, `unexpected quoted string ${text}`);
      else tokens.push({ kind: 'check', text });
    }
    for (let i = 0; i < trailing; i++) tokens.push({ kind: ')' });
  }
  return tokens;
}

/** Whitespace splits words except inside a quote that is closed later in the rule. */
function splitWords(rule: string): string[] {
  const words: string[] = [];
  let cur = '';
  for (let i = 0; i < rule.length; i++) {
    const ch = rule[i] ?? '';
    if (ch === "'" || ch === '"') {
      const close = rule.indexOf(ch, i + 1);
      if (close !== -1) {
        cur += rule.slice(i, close + 1);
        i = close;
        continue;
      }
    }
    if (/\s/.test(ch)) {
      if (cur !== '') words.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur !== '') words.push(cur);
  return words;
}

function isQuoted(s: string): boolean {
  return s.length >= 2 && (s[0] === "'" || s[0] === '"') && s[s.length - 1] === s[0];
}

/** One KIND:MATCH check, or the specials @ (always) and ! (never). */
function parseCheck(rule: string, text: string): Check {
  if (text === '@') return { type: 'true' };
  if (text === '!') return { type: 'false' };
  const colon = text.indexOf(':');
  if (colon <= 0) throw new PolicyParseError(rule, `"${text}" is not a check (expected KIND:MATCH, @ or !)`);
  const kind = text.slice(0, colon);
  const match = text.slice(colon + 1);
  try {
    switch (kind) {
      case 'rule':
        if (match === '') throw new Error('rule: needs a rule name');
        return { type: 'rule', name: match };
      case 'role':
        if (match === '') throw new Error('role: needs a role name');
        return { type: 'role', match: compileTemplate(match) };
      case 'http':
      case 'https':
        // Remote checks would put an HTTP call on every request's hot path.
        throw new Error(`${kind}: checks are not supported`);
      default: {
        const literal = leftLiteral(kind);
        const template = compileTemplate(match);
        return literal === undefined
          ? { type: 'generic', key: kind, match: template }
          : { type: 'generic', key: kind, literal, match: template };
      }
    }
  } catch (err) {
    throw new PolicyParseError(rule, err instanceof Error ? err.message : String(err));
  }
}

/**
 * oslo runs ast.literal_eval on the left side ('member':%(role.name)s,
 * True:%(user.enabled)s) and compares str(literal) to the rendered match.
 * Returns that string form, or undefined when the left side names a credential.
 */
function leftLiteral(kind: string): string | undefined {
  if (isQuoted(kind)) return kind.slice(1, -1);
  if (kind === 'True' || kind === 'False') return kind;
  if (/^-?\d+(\.\d+)?$/.test(kind)) return String(Number(kind));
  return undefined;
}

/** The legacy list-of-lists form; an empty list allows everyone, as in oslo. */
export function parseListRule(rule: ListRule): Check {
  if (rule.length === 0) return { type: 'true' };
  const ors: Check[] = [];
  for (const inner of rule) {
    const list = typeof inner === 'string' ? [inner] : inner;
    if (list.length === 0) continue;
    const ands = list.map((text) => parseCheck(text, text));
    ors.push(ands.length === 1 && ands[0] ? ands[0] : { type: 'and', checks: ands });
  }
  if (ors.length === 0) return { type: 'false' };
  return ors.length === 1 && ors[0] ? ors[0] : { type: 'or', checks: ors };
}
