/** oslo.config-style configuration: typed option declarations, INI files, STRATUS_* overrides. */
export { ConfigError, IniParseError, InvalidOptionValueError } from './errors.js';
export { parseIni, type IniDocument, type IniSection, type IniValue } from './ini.js';
export {
  opt,
  OptionValueError,
  type ConfigOf,
  type ConfigSchema,
  type Option,
  type OptionKind,
  type ValueOf,
} from './options.js';
export { defineSchema, mergeSchemas, type MergedSchema } from './schema.js';
export {
  DEFAULT_GROUP,
  ENV_PREFIX,
  envVarNames,
  loadConfig,
  type ConfigWarning,
  type LoadedConfig,
  type LoadOptions,
} from './load.js';
