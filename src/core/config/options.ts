/**
 * Typed option declarations in the style of oslo.config (StrOpt, IntOpt, BoolOpt, ...).
 * A declaration carries its default and a parser from raw text; the type of the loaded
 * configuration is derived from the declarations (see ConfigOf), so services read
 * `cfg.database.connection` as a string without casts.
 */

export type OptionKind = 'str' | 'int' | 'float' | 'bool' | 'list' | 'port';

/** One declared option. Immutable; safe to share between schemas. */
export interface Option<T> {
  readonly kind: OptionKind;
  /** Used when neither the file nor the environment sets the option. */
  readonly default: T;
  /** Operator-facing description ('' when none); used for sample config and docs. */
  readonly help: string;
  /** True for passwords and keys: whoever dumps the configuration must mask it. */
  readonly secret: boolean;
  /** Allowed values (str only). */
  readonly choices?: readonly string[];
  /** Inclusive bounds (int, float, port). */
  readonly min?: number;
  readonly max?: number;
  /**
   * Converts raw text from a file or an environment variable. Throws OptionValueError
   * whose reason reads well after "invalid value for option [g] o: ".
   */
  parse(raw: string): T;
}

/** Refusal of a raw value; the loader adds the option name and the source. */
export class OptionValueError extends Error {
  override readonly name: string = 'OptionValueError';
}

/** Groups of options, keyed by group name (`DEFAULT`, `database`, ...) then option name. */
export type ConfigSchema = Record<string, Record<string, Option<unknown>>>;

/** The value type an option produces. */
export type ValueOf<O> = O extends Option<infer T> ? T : never;

/** The loaded configuration's type, derived from a schema. */
export type ConfigOf<S extends ConfigSchema> = {
  readonly [G in keyof S]: { readonly [K in keyof S[G]]: ValueOf<S[G][K]> };
};

interface CommonSpec {
  help?: string;
  secret?: boolean;
}
interface RangeSpec extends CommonSpec {
  min?: number;
  max?: number;
}

const quote = (raw: string): string => JSON.stringify(raw);

function make<T>(
  kind: OptionKind,
  spec: CommonSpec & { default?: T | null; choices?: readonly string[]; min?: number; max?: number },
  parse: (raw: string) => T,
): Option<T> {
  const option: Option<T> = {
    kind,
    default: (spec.default ?? null) as T, // the overloads guarantee T admits null when default is omitted
    help: spec.help ?? '',
    secret: spec.secret ?? false,
    ...(spec.choices !== undefined ? { choices: Object.freeze([...spec.choices]) } : {}),
    ...(spec.min !== undefined ? { min: spec.min } : {}),
    ...(spec.max !== undefined ? { max: spec.max } : {}),
    parse,
  };
  return Object.freeze(option);
}

/** Declaration mistakes are programming errors: fail at import time, not at load time. */
function checkDefault<T>(kind: OptionKind, value: T | null | undefined, parse: (raw: string) => T, render: (v: T) => string): void {
  if (value === null || value === undefined) return;
  try {
    parse(render(value));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new TypeError(`default of ${kind} option is invalid: ${reason}`);
  }
}

function checkRange(min: number | undefined, max: number | undefined): void {
  if (min !== undefined && max !== undefined && min > max) {
    throw new TypeError(`option declares min ${min} greater than max ${max}`);
  }
}

function bounded(value: number, min: number | undefined, max: number | undefined): number {
  if (min !== undefined && value < min) throw new OptionValueError(`${value} is less than the minimum ${min}`);
  if (max !== undefined && value > max) throw new OptionValueError(`${value} is greater than the maximum ${max}`);
  return value;
}

function parseInteger(raw: string, min: number | undefined, max: number | undefined): number {
  const text = raw.trim();
  const value = Number(text);
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new OptionValueError(`${quote(raw)} is not an integer`);
  }
  return bounded(value, min, max);
}

// ---- str ----------------------------------------------------------------------------

// With choices the option's type is their union; a default outside them does not compile.
function str<const C extends string>(spec: CommonSpec & { choices: readonly C[]; default: NoInfer<C> }): Option<C>;
function str<const C extends string>(spec: CommonSpec & { choices: readonly C[]; default?: null }): Option<C | null>;
function str(spec: CommonSpec & { choices?: never; default: string }): Option<string>;
function str(spec?: CommonSpec & { choices?: never; default?: null }): Option<string | null>;
function str(spec: CommonSpec & { choices?: readonly string[]; default?: string | null } = {}): Option<string | null> {
  const choices = spec.choices;
  const parse = (raw: string): string => {
    if (choices !== undefined && !choices.includes(raw)) {
      throw new OptionValueError(`${quote(raw)} is not one of: ${choices.join(', ')}`);
    }
    return raw;
  };
  checkDefault('str', spec.default, parse, (v) => v);
  return make<string | null>('str', spec, parse);
}

// ---- int / port / float -------------------------------------------------------------

function int(spec: RangeSpec & { default: number }): Option<number>;
function int(spec?: RangeSpec & { default?: null }): Option<number | null>;
function int(spec: RangeSpec & { default?: number | null } = {}): Option<number | null> {
  checkRange(spec.min, spec.max);
  const parse = (raw: string): number => parseInteger(raw, spec.min, spec.max);
  checkDefault('int', spec.default, parse, String);
  return make<number | null>('int', spec, parse);
}

const PORT_MIN = 0;
const PORT_MAX = 65535;

function port(spec: CommonSpec & { default: number }): Option<number>;
function port(spec?: CommonSpec & { default?: null }): Option<number | null>;
function port(spec: CommonSpec & { default?: number | null } = {}): Option<number | null> {
  const parse = (raw: string): number => parseInteger(raw, PORT_MIN, PORT_MAX);
  checkDefault('port', spec.default, parse, String);
  return make<number | null>('port', { ...spec, min: PORT_MIN, max: PORT_MAX }, parse);
}

// Decimal or exponent notation only: Number() would also accept '0x10', '' and 'Infinity'.
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function float(spec: RangeSpec & { default: number }): Option<number>;
function float(spec?: RangeSpec & { default?: null }): Option<number | null>;
function float(spec: RangeSpec & { default?: number | null } = {}): Option<number | null> {
  checkRange(spec.min, spec.max);
  const parse = (raw: string): number => {
    const text = raw.trim();
    const value = Number(text);
    if (!FLOAT_RE.test(text) || !Number.isFinite(value)) {
      throw new OptionValueError(`${quote(raw)} is not a number`);
    }
    return bounded(value, spec.min, spec.max);
  };
  checkDefault('float', spec.default, parse, String);
  return make<number | null>('float', spec, parse);
}

// ---- bool ---------------------------------------------------------------------------

// The spellings oslo.config's BoolOpt accepts.
const TRUE_WORDS = new Set(['true', 'yes', '1', 'on']);
const FALSE_WORDS = new Set(['false', 'no', '0', 'off']);

function bool(spec: CommonSpec & { default: boolean }): Option<boolean>;
function bool(spec?: CommonSpec & { default?: null }): Option<boolean | null>;
function bool(spec: CommonSpec & { default?: boolean | null } = {}): Option<boolean | null> {
  const parse = (raw: string): boolean => {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw new OptionValueError(`${quote(raw)} is not a boolean (use true/false, yes/no, on/off or 1/0)`);
  };
  return make<boolean | null>('bool', spec, parse);
}

// ---- list ---------------------------------------------------------------------------

function list(spec: CommonSpec & { default: readonly string[] }): Option<string[]>;
function list(spec?: CommonSpec & { default?: null }): Option<string[] | null>;
function list(spec: CommonSpec & { default?: readonly string[] | null } = {}): Option<string[] | null> {
  // Empty items are dropped so "a, b," and "" (no items) mean what an operator expects.
  const parse = (raw: string): string[] =>
    raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  const fallback = spec.default === undefined || spec.default === null ? null : [...spec.default];
  return make<string[] | null>('list', { ...spec, default: fallback }, parse);
}

/** Option constructors: `opt.str({ default: 'x' })`. Omitting `default` makes the type nullable. */
export const opt = { str, int, float, bool, list, port } as const;
