import type { ApiVersion } from '../../core/http/microversion.js';
import { badRequest, ErrorCode } from '../errors.js';
import type { AggregateQuery, TraitQuery } from '../domain/provider-facts.js';
import { isUuid } from './validate.js';

/** A parsed query string: each key to its values in order (a key given twice has two). */
export type Query = Record<string, string | string[] | undefined>;

export function values(q: Query, key: string): string[] {
  const v = q[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The one value of a key; Placement refuses a key given twice where only one is meaningful. */
export function single(q: Query, key: string): string | undefined {
  const v = values(q, key);
  if (v.length > 1) throw badRequest(`Invalid query string parameters: Query parameter ${key} may only be given once.`, ErrorCode.ILLEGAL_DUPLICATE_QUERYPARAM);
  return v[0];
}

/** Refuses parameters outside `allowed` as Placement's query schemas do. */
export function onlyParams(q: Query, allowed: Iterable<string>): void {
  const ok = new Set(allowed);
  const extra = Object.keys(q).filter((k) => !ok.has(k));
  if (extra.length > 0) throw badRequest(`Invalid query string parameters: Additional properties are not allowed ('${extra[0]}' was unexpected)`);
}

/** `VCPU:2,MEMORY_MB:1024` -> amounts per class. */
export function parseResources(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of text.split(',')) {
    const m = /^([^:]+):(.*)$/.exec(part.trim());
    if (!m) {
      throw badRequest(`Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: ${text}.`);
    }
    const [, rc, amountText] = m;
    const amount = /^-?\d+$/.test(amountText!.trim()) ? Number(amountText) : NaN;
    if (!Number.isInteger(amount) || amount < 1) throw badRequest(`Requested resource ${rc!} expected positive integer amount. Got: ${amountText!}.`);
    if (out.has(rc!)) throw badRequest(`Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: ${text}.`);
    out.set(rc!, amount);
  }
  return out;
}

/**
 * `required` values: `A,!B` (forbidden from 1.22), `in:A,B` (any of, 1.39). Several
 * `required` parameters add up from 1.39.
 */
export function parseTraits(texts: string[], version: ApiVersion, param = 'required'): TraitQuery {
  if (texts.length > 1 && !version.atLeast('1.39')) throw badRequest(`Invalid query string parameters: Query parameter ${param} may only be given once.`, ErrorCode.ILLEGAL_DUPLICATE_QUERYPARAM);
  const q: TraitQuery = { required: [], forbidden: [], anyOf: [] };
  const bad = (text: string): never => {
    const form = version.atLeast('1.22') ? 'HW_CPU_X86_VMX,!CUSTOM_MAGIC' : 'HW_CPU_X86_VMX,CUSTOM_MAGIC';
    throw badRequest(`Invalid query string parameters: Expected '${param}' parameter value of the form: ${form}. Got: ${text}`, ErrorCode.QUERYPARAM_BAD_VALUE);
  };
  for (const text of texts) {
    if (text.startsWith('in:') && version.atLeast('1.39')) {
      const any = text.slice(3).split(',').map((t) => t.trim());
      if (any.some((t) => t === '' || t.startsWith('!'))) bad(text);
      q.anyOf.push(any);
      continue;
    }
    const names = text.split(',').map((t) => t.trim());
    if (names.some((n) => n === '' || n === '!')) bad(text);
    for (const name of names) {
      if (name.startsWith('!')) {
        if (!version.atLeast('1.22')) bad(text);
        q.forbidden.push(name.slice(1));
      } else q.required.push(name);
    }
  }
  const conflicting = q.required.filter((t) => q.forbidden.includes(t));
  if (conflicting.length > 0) throw badRequest(`Conflicting required and forbidden traits found in the following traits keys: ${conflicting.join(', ')}`);
  return q;
}

export function traitNames(q: TraitQuery): string[] {
  return [...q.required, ...q.forbidden, ...q.anyOf.flat()];
}

/** `member_of` values: `agg`, `in:a,b`, and from 1.32 `!agg` / `!in:a,b`; several from 1.24. */
export function parseMemberOf(texts: string[], version: ApiVersion, param = 'member_of'): AggregateQuery {
  if (texts.length > 1 && !version.atLeast('1.24')) throw badRequest(`Invalid query string parameters: Query parameter ${param} may only be given once.`, ErrorCode.ILLEGAL_DUPLICATE_QUERYPARAM);
  const q: AggregateQuery = { anyOf: [], forbidden: [] };
  for (const text of texts) {
    let body = text;
    const forbidden = body.startsWith('!') && version.atLeast('1.32');
    if (forbidden) body = body.slice(1);
    const list = body.startsWith('in:') ? body.slice(3).split(',') : [body];
    if (forbidden && !body.startsWith('in:') && body.includes(',')) {
      throw badRequest(`Invalid query string parameters: Expected '${param}' parameter to contain valid UUID(s). Got: ${text}`);
    }
    if (list.some((a) => !isUuid(a.trim()))) throw badRequest(`Invalid query string parameters: Expected '${param}' parameter to contain valid UUID(s). Got: ${text}`);
    const uuids = list.map((a) => a.trim().toLowerCase());
    if (forbidden) q.forbidden.push(...uuids);
    else q.anyOf.push(uuids);
  }
  return q;
}
