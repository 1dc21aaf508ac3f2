/**
 * Loads a typed configuration from defaults, an INI file and environment variables,
 * in that order of precedence (later wins). Reads nothing implicitly: the caller (the
 * CLI, once per process) passes the file path and `process.env`.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, InvalidOptionValueError } from './errors.js';
import { parseIni, type IniDocument, type IniValue } from './ini.js';
import { OptionValueError, type ConfigOf, type ConfigSchema, type Option } from './options.js';

export const ENV_PREFIX = 'STRATUS_';
export const DEFAULT_GROUP = 'DEFAULT';

export interface LoadOptions {
  /** INI file to read; when given it must exist. */
  file?: string;
  /** Environment to read `STRATUS_*` overrides from; none when omitted. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Reads the file as UTF-8 text; injectable for tests. Defaults to fs.readFileSync. */
  readFile?: (path: string) => string;
}

/** Something in the file the schema does not know; loading goes on without it. */
export interface ConfigWarning {
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly group: string;
  /** Absent when the whole section is unknown. */
  readonly option?: string;
}

export interface LoadedConfig<S extends ConfigSchema> {
  readonly config: ConfigOf<S>;
  readonly warnings: readonly ConfigWarning[];
}

/**
 * Environment variable names for an option, most specific first:
 * `STRATUS_<GROUP>_<OPTION>`, plus `STRATUS_<OPTION>` for the DEFAULT group.
 * Characters other than letters and digits become `_`.
 */
export function envVarNames(group: string, option: string): string[] {
  const upper = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const full = `${ENV_PREFIX}${upper(group)}_${upper(option)}`;
  return group === DEFAULT_GROUP ? [full, `${ENV_PREFIX}${upper(option)}`] : [full];
}

/**
 * Returns the configuration for `schema`, each option from (lowest to highest
 * precedence) its default, the file, the environment. Throws ConfigError for a
 * missing or unreadable file, IniParseError for bad syntax, InvalidOptionValueError
 * for a value its option refuses, and ConfigError when two options would read the
 * same environment variable.
 */
export function loadConfig<S extends ConfigSchema>(schema: S, options: LoadOptions = {}): LoadedConfig<S> {
  const env = options.env ?? {};
  assertDistinctEnvNames(schema);
  const warnings: ConfigWarning[] = [];
  const fromFile =
    options.file === undefined
      ? new Map<string, Map<string, IniValue>>()
      : readFileValues(schema, options.file, options.readFile ?? readUtf8, warnings);

  const config: Record<string, Readonly<Record<string, unknown>>> = {};
  for (const [group, groupOptions] of Object.entries(schema)) {
    const values: Record<string, unknown> = {};
    for (const [name, option] of Object.entries(groupOptions)) {
      values[name] = resolve(group, name, option, env, fromFile.get(group)?.get(name), options.file);
    }
    config[group] = Object.freeze(values);
  }
  // Built key by key from the schema above; TypeScript cannot follow Object.entries.
  return { config: Object.freeze(config) as ConfigOf<S>, warnings };
}

function resolve(
  group: string,
  name: string,
  option: Option<unknown>,
  env: Readonly<Record<string, string | undefined>>,
  fileValue: IniValue | undefined,
  file: string | undefined,
): unknown {
  for (const variable of envVarNames(group, name)) {
    const raw = env[variable];
    if (raw !== undefined) {
      return parseValue(option, raw, group, name, `env ${variable}`);
    }
  }
  if (fileValue !== undefined) return parseValue(option, fileValue.value, group, name, `${file ?? ''}:${fileValue.line}`);
  // Copy lists so one load's caller cannot change another load's defaults.
  return Array.isArray(option.default) ? [...option.default] : option.default;
}

function parseValue(option: Option<unknown>, raw: string, group: string, name: string, source: string): unknown {
  try {
    return option.parse(raw);
  } catch (err) {
    if (err instanceof OptionValueError) throw new InvalidOptionValueError(group, name, err.message, source);
    throw err;
  }
}

/** Each environment variable must set one option only, or precedence would be a guess. */
function assertDistinctEnvNames(schema: ConfigSchema): void {
  const owners = new Map<string, string>();
  for (const [group, groupOptions] of Object.entries(schema)) {
    for (const name of Object.keys(groupOptions)) {
      for (const variable of envVarNames(group, name)) {
        const owner = owners.get(variable);
        if (owner !== undefined) {
          // e.g. [DEFAULT] data_dir and [data] dir both claim STRATUS_DATA_DIR.
          throw new ConfigError(`environment variable ${variable} would set both ${describe(owner)} and [${group}] ${name}`);
        }
        owners.set(variable, `${group}.${name}`);
      }
    }
  }
}

function describe(owner: string): string {
  const dot = owner.indexOf('.');
  return `[${owner.slice(0, dot)}] ${owner.slice(dot + 1)}`;
}

function readUtf8(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Parses the file and keeps the values the schema declares, warning about the rest. */
function readFileValues(
  schema: ConfigSchema,
  file: string,
  readFile: (path: string) => string,
  warnings: ConfigWarning[],
): Map<string, Map<string, IniValue>> {
  const doc = parseIni(readText(file, readFile), file);
  return matchSchema(schema, doc, file, warnings);
}

function readText(file: string, readFile: (path: string) => string): string {
  try {
    return readFile(file);
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
    if (code === 'ENOENT') throw new ConfigError(`config file not found: ${file}`);
    throw new ConfigError(`cannot read config file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function matchSchema(schema: ConfigSchema, doc: IniDocument, file: string, warnings: ConfigWarning[]): Map<string, Map<string, IniValue>> {
  const matched = new Map<string, Map<string, IniValue>>();
  for (const [group, section] of doc) {
    const groupOptions = Object.hasOwn(schema, group) ? schema[group] : undefined;
    if (groupOptions === undefined) {
      warnings.push({ message: `${file}:${section.line}: unknown section [${group}]`, file, line: section.line, group });
      continue;
    }
    const values = new Map<string, IniValue>();
    for (const [key, value] of section.values) {
      // oslo.config treats dashes and underscores in option names alike.
      const name = Object.hasOwn(groupOptions, key) ? key : key.replace(/-/g, '_');
      if (!Object.hasOwn(groupOptions, name)) {
        warnings.push({ message: `${file}:${value.line}: unknown option [${group}] ${key}`, file, line: value.line, group, option: key });
        continue;
      }
      values.set(name, value);
    }
    matched.set(group, values);
  }
  return matched;
}
