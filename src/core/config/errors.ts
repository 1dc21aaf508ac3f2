/**
 * Every configuration problem is a ConfigError, so the CLI can print its message and
 * exit without a stack trace: these are operator mistakes, not program faults.
 */
export class ConfigError extends Error {
  override readonly name: string = 'ConfigError';
}

/** A syntax error in an INI file; the message starts with `file:line:`. */
export class IniParseError extends ConfigError {
  override readonly name: string = 'IniParseError';
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.file = file;
    this.line = line;
  }
}

/**
 * A value that does not fit its option. The message names the option and where the
 * value came from, e.g.
 * `invalid value for option [identity] expiration: "abc" is not an integer (from env STRATUS_IDENTITY_EXPIRATION)`.
 */
export class InvalidOptionValueError extends ConfigError {
  override readonly name: string = 'InvalidOptionValueError';
  readonly group: string;
  readonly option: string;
  /** `file:line` or `env NAME`. */
  readonly source: string;
  /** Why the value was refused, without the option name (`"abc" is not an integer`). */
  readonly reason: string;

  constructor(group: string, option: string, reason: string, source: string) {
    super(`invalid value for option [${group}] ${option}: ${reason} (from ${source})`);
    this.group = group;
    this.option = option;
    this.reason = reason;
    this.source = source;
  }
}
