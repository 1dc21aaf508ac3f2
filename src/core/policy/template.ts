/**
 * The right-hand side of a check ("%(target.user.id)s", "admin", "'quoted'") and the
 * value lookups both sides need. Python's "%(key)s" % target is the model; templates
 * are compiled once at parse time so the hot path only concatenates.
 */

/** A piece of a compiled template: literal text, or a key to substitute from the target. */
type Part = { readonly text: string } | { readonly key: string };

/** A compiled match string. `parts` is empty when the match is a plain literal. */
export interface Template {
  /** The original text, for error messages and debugging. */
  readonly source: string;
  /** The literal value when there is no substitution (quotes already removed). */
  readonly literal?: string;
  readonly parts: readonly Part[];
}

const SUBSTITUTION = /%\(([^)]*)\)s|%%/g;

/**
 * Compiles a match string. Throws on a "%(" that is not closed by ")s": Python would
 * fail at check time, we fail at load time where the operator can see it.
 */
export function compileTemplate(source: string): Template {
  if (!source.includes('%')) return { source, literal: unquote(source), parts: [] };
  const parts: Part[] = [];
  let last = 0;
  for (const m of source.matchAll(SUBSTITUTION)) {
    const at = m.index;
    if (at > last) parts.push({ text: source.slice(last, at) });
    if (m[0] === '%%') parts.push({ text: '%' });
    else parts.push({ key: m[1] ?? '' });
    last = at + m[0].length;
  }
  if (last < source.length) parts.push({ text: source.slice(last) });
  for (const p of parts) {
    if ('text' in p && p.text.includes('%(')) {
      throw new Error(`unterminated substitution in "${source}" (expected %(name)s)`);
    }
  }
  if (parts.every((p) => 'text' in p)) {
    return { source, literal: unquote(parts.map((p) => ('text' in p ? p.text : '')).join('')), parts: [] };
  }
  return { source, parts };
}

/**
 * Renders a template against the target. Returns undefined when a key is missing or
 * null: oslo.policy denies on a missing key, and we also deny on null rather than
 * comparing the string "None" to "None" (fail closed).
 */
export function renderTemplate(t: Template, target: Record<string, unknown>): string | undefined {
  if (t.literal !== undefined) return t.literal;
  let out = '';
  for (const p of t.parts) {
    if ('text' in p) {
      out += p.text;
      continue;
    }
    const s = scalarString(lookup(target, p.key));
    if (s === undefined) return undefined;
    out += s;
  }
  return out;
}

/**
 * Finds a dotted key: first as a flat key ("target.user.id" as one name, the way
 * oslo.policy callers usually flatten targets), then by walking nested objects.
 */
export function lookup(dict: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(dict, key)) return dict[key];
  if (!key.includes('.')) return undefined;
  let cur: unknown = dict;
  for (const seg of key.split('.')) {
    if (!isRecord(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

/**
 * Python's str() for the scalars rules compare (True/False, numbers, strings).
 * Null, undefined and containers give undefined so they never match anything.
 */
export function scalarString(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
    case 'bigint':
      return String(value);
    default:
      return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Removes one pair of matching surrounding quotes, as in project_id:'abc'. */
export function unquote(s: string): string {
  if (s.length >= 2) {
    const q = s[0];
    if ((q === "'" || q === '"') && s[s.length - 1] === q) return s.slice(1, -1);
  }
  return s;
}
