/**
 * The check tree a rule string parses into, and its evaluation. Mirrors
 * oslo_policy._checks: TrueCheck, FalseCheck, And/Or/Not, RuleCheck, RoleCheck and
 * GenericCheck, as plain data so trees are cheap to cache and easy to assert on.
 */
import { type Template, renderTemplate, scalarString, isRecord } from './template.js';

export type Check =
  | { readonly type: 'true' }
  | { readonly type: 'false' }
  | { readonly type: 'and'; readonly checks: readonly Check[] }
  | { readonly type: 'or'; readonly checks: readonly Check[] }
  | { readonly type: 'not'; readonly check: Check }
  /** rule:NAME, another named rule; unknown names deny. */
  | { readonly type: 'rule'; readonly name: string }
  /** role:NAME, matched case-insensitively against creds.roles. */
  | { readonly type: 'role'; readonly match: Template }
  /**
   * KEY:VALUE. `key` is a (possibly dotted) credential name, unless `literal` is set:
   * then the left side was a literal ('member', True, 42) compared to the rendered match.
   */
  | { readonly type: 'generic'; readonly key: string; readonly literal?: string; readonly match: Template };

/** Everything one evaluation needs; `stack` holds the named rules being evaluated. */
export interface EvalContext {
  readonly target: Record<string, unknown>;
  readonly creds: Record<string, unknown>;
  /** The parsed rule of that name, or undefined when no such rule exists. */
  readonly resolve: (name: string) => Check | undefined;
  readonly stack: Set<string>;
}

export function evaluate(check: Check, ctx: EvalContext): boolean {
  switch (check.type) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'and':
      return check.checks.every((c) => evaluate(c, ctx));
    case 'or':
      return check.checks.some((c) => evaluate(c, ctx));
    case 'not':
      return !evaluate(check.check, ctx);
    case 'rule':
      return evaluateRule(check.name, ctx);
    case 'role':
      return evaluateRole(check.match, ctx);
    case 'generic':
      return evaluateGeneric(check, ctx);
  }
}

function evaluateRule(name: string, ctx: EvalContext): boolean {
  const rule = ctx.resolve(name);
  // A rule already being evaluated means a loop (rule:a -> rule:a): deny instead of
  // overflowing the stack. Only the active chain counts, so shared sub-rules are fine.
  if (rule === undefined || ctx.stack.has(name)) return false;
  ctx.stack.add(name);
  try {
    return evaluate(rule, ctx);
  } finally {
    ctx.stack.delete(name);
  }
}

function evaluateRole(template: Template, ctx: EvalContext): boolean {
  const match = renderTemplate(template, ctx.target);
  const roles = ctx.creds['roles'];
  if (match === undefined || !Array.isArray(roles)) return false;
  const wanted = match.toLowerCase();
  return roles.some((r) => typeof r === 'string' && r.toLowerCase() === wanted);
}

function evaluateGeneric(check: Extract<Check, { type: 'generic' }>, ctx: EvalContext): boolean {
  const match = renderTemplate(check.match, ctx.target);
  if (match === undefined) return false;
  if (check.literal !== undefined) return check.literal === match;
  if (Object.hasOwn(ctx.creds, check.key)) return matches(ctx.creds[check.key], match);
  return findIn(ctx.creds, check.key.split('.'), 0, match);
}

/** Walks a dotted path through creds; a list on the way matches if any element does (as oslo). */
function findIn(value: unknown, path: readonly string[], i: number, match: string): boolean {
  if (i === path.length) return matches(value, match);
  if (Array.isArray(value)) return value.some((v) => findIn(v, path, i, match));
  const seg = path[i];
  if (seg === undefined || !isRecord(value) || !Object.hasOwn(value, seg)) return false;
  return findIn(value[seg], path, i + 1, match);
}

function matches(value: unknown, match: string): boolean {
  if (Array.isArray(value)) return value.some((v) => matches(v, match));
  // Python writes booleans True/False; JSON and YAML minded operators write true/false.
  if (typeof value === 'boolean') return match.toLowerCase() === (value ? 'true' : 'false');
  const s = scalarString(value);
  return s !== undefined && s === match;
}
