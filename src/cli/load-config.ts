import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type ConfigSchema, type ConfigOf } from '../core/config/index.js';

export interface CommonFlags {
  dataDir?: string;
  portOffset?: string;
  configFile?: string;
}

/**
 * Reads stratus.conf and STRATUS_* overrides, then applies command-line flags, which
 * win over both. The config file is --config-file, else <data dir>/stratus.conf when
 * it exists; the data dir is --data-dir, else STRATUS_DATA_DIR, else the default.
 */
export function loadProcessConfig<S extends ConfigSchema>(schema: S, flags: CommonFlags): { config: ConfigOf<S>; dataDir: string; configFile: string | null } {
  const envDataDir = process.env['STRATUS_DATA_DIR'] ?? process.env['STRATUS_DEFAULT_DATA_DIR'];
  const provisionalDir = flags.dataDir ?? envDataDir;
  let configFile: string | null = flags.configFile ?? null;
  if (!configFile && provisionalDir && existsSync(join(provisionalDir, 'stratus.conf'))) configFile = join(provisionalDir, 'stratus.conf');
  const env: Record<string, string | undefined> = { ...process.env };
  if (flags.dataDir) env['STRATUS_DATA_DIR'] = flags.dataDir;
  if (flags.portOffset !== undefined) env['STRATUS_PORT_OFFSET'] = flags.portOffset;
  const { config, warnings } = loadConfig(schema, { ...(configFile ? { file: configFile } : {}), env });
  for (const w of warnings) process.stderr.write(`warning: ${w.message}\n`);
  const dataDir = resolve(String((config as unknown as { DEFAULT: { data_dir: string } }).DEFAULT.data_dir));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return { config, dataDir, configFile };
}
