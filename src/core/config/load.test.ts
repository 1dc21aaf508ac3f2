import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError, IniParseError, InvalidOptionValueError } from './errors.js';
import { envVarNames, loadConfig } from './load.js';
import { opt } from './options.js';
import { defineSchema } from './schema.js';

const schema = defineSchema({
  DEFAULT: {
    data_dir: opt.str({ default: '/var/lib/stratus' }),
    debug: opt.bool({ default: false }),
    public_endpoint: opt.str(),
  },
  database: {
    connection: opt.str({ default: 'sqlite:///stratus.db', secret: true }),
    max_pool_size: opt.int({ default: 5, min: 1, max: 100 }),
  },
  identity: {
    expiration: opt.int({ default: 3600 }),
    driver: opt.str({ default: 'sql', choices: ['sql', 'ldap'] }),
    hash_ratio: opt.float({ default: 0.5 }),
  },
  api: {
    listen_port: opt.port({ default: 5000 }),
    enabled_apis: opt.list({ default: ['identity', 'compute'] }),
  },
});

/** Loads from in-memory INI text; the path is only used in messages. */
function load(text: string | undefined, env: Record<string, string | undefined> = {}) {
  return loadConfig(schema, {
    ...(text === undefined ? {} : { file: '/etc/stratus/stratus.conf', readFile: () => text }),
    env,
  });
}

function loadError(text: string | undefined, env: Record<string, string | undefined> = {}): ConfigError {
  try {
    load(text, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults: every option has its default when nothing is given', () => {
    const { config, warnings } = loadConfig(schema);
    expect(config).toEqual({
      DEFAULT: { data_dir: '/var/lib/stratus', debug: false, public_endpoint: null },
      database: { connection: 'sqlite:///stratus.db', max_pool_size: 5 },
      identity: { expiration: 3600, driver: 'sql', hash_ratio: 0.5 },
      api: { listen_port: 5000, enabled_apis: ['identity', 'compute'] },
    });
    expect(warnings).toEqual([]);
  });

  it('types: the config type is derived from the schema', () => {
    const { config } = loadConfig(schema);
    expectTypeOf(config.database.connection).toEqualTypeOf<string>();
    expectTypeOf(config.identity.expiration).toEqualTypeOf<number>();
    expectTypeOf(config.identity.driver).toEqualTypeOf<'sql' | 'ldap'>();
    expectTypeOf(config.DEFAULT.debug).toEqualTypeOf<boolean>();
    expectTypeOf(config.DEFAULT.public_endpoint).toEqualTypeOf<string | null>();
    expectTypeOf(config.api.enabled_apis).toEqualTypeOf<string[]>();
  });

  it('file: values override defaults and are parsed by type', () => {
    const { config } = load(
      [
        '[DEFAULT]',
        'debug = yes',
        'public_endpoint = http://cloud:5000',
        '[database]',
        'connection = mysql+pymysql://u:p@db/stratus',
        'max-pool-size = 20', // dashes and underscores are interchangeable
        '[identity]',
        'expiration = 7200',
        'driver = ldap',
        '[api]',
        'enabled_apis = identity,',
        '  image, network',
      ].join('\n'),
    );
    expect(config.DEFAULT.debug).toBe(true);
    expect(config.DEFAULT.public_endpoint).toBe('http://cloud:5000');
    expect(config.DEFAULT.data_dir).toBe('/var/lib/stratus');
    expect(config.database).toEqual({ connection: 'mysql+pymysql://u:p@db/stratus', max_pool_size: 20 });
    expect(config.identity.expiration).toBe(7200);
    expect(config.identity.driver).toBe('ldap');
    expect(config.api.enabled_apis).toEqual(['identity', 'image', 'network']);
  });

  it('precedence: default < file < env', () => {
    const file = '[identity]\nexpiration = 7200\n[database]\nmax_pool_size = 7\n';
    const { config } = load(file, { STRATUS_IDENTITY_EXPIRATION: '60' });
    expect(config.identity.expiration).toBe(60); // env beats file
    expect(config.database.max_pool_size).toBe(7); // file beats default
    expect(config.identity.hash_ratio).toBe(0.5); // default
  });

  it('env: STRATUS_<GROUP>_<OPTION> sets any group; unset variables are ignored', () => {
    const { config } = load(undefined, {
      STRATUS_API_LISTEN_PORT: '8774',
      STRATUS_API_ENABLED_APIS: 'compute',
      STRATUS_DATABASE_CONNECTION: undefined,
      STRATUS_DEFAULT_DEBUG: 'on',
    });
    expect(config.api.listen_port).toBe(8774);
    expect(config.api.enabled_apis).toEqual(['compute']);
    expect(config.database.connection).toBe('sqlite:///stratus.db');
    expect(config.DEFAULT.debug).toBe(true);
  });

  it('env: STRATUS_DATA_DIR sets [DEFAULT] data_dir; STRATUS_DEFAULT_DATA_DIR wins over it', () => {
    expect(load('[DEFAULT]\ndata_dir = /srv/a\n', { STRATUS_DATA_DIR: '/srv/b' }).config.DEFAULT.data_dir).toBe('/srv/b');
    const both = { STRATUS_DATA_DIR: '/srv/b', STRATUS_DEFAULT_DATA_DIR: '/srv/c' };
    expect(load(undefined, both).config.DEFAULT.data_dir).toBe('/srv/c');
  });

  it('env: names', () => {
    expect(envVarNames('DEFAULT', 'data_dir')).toEqual(['STRATUS_DEFAULT_DATA_DIR', 'STRATUS_DATA_DIR']);
    expect(envVarNames('fernet_tokens', 'key-repository')).toEqual(['STRATUS_FERNET_TOKENS_KEY_REPOSITORY']);
  });

  it('env: two options claiming one variable is a schema error', () => {
    const clash = { DEFAULT: { data_dir: opt.str({ default: 'x' }) }, data: { dir: opt.str({ default: 'y' }) } };
    expect(() => loadConfig(clash)).toThrow(
      'environment variable STRATUS_DATA_DIR would set both [DEFAULT] data_dir and [data] dir',
    );
  });

  it('errors: a bad file value names the option, the value and file:line', () => {
    const err = loadError('[identity]\n\nexpiration = abc\n');
    expect(err).toBeInstanceOf(InvalidOptionValueError);
    expect(err.message).toBe(
      'invalid value for option [identity] expiration: "abc" is not an integer (from /etc/stratus/stratus.conf:3)',
    );
  });

  it('errors: a bad env value names the option and the variable', () => {
    const err = loadError('[identity]\nexpiration = 10\n', { STRATUS_IDENTITY_EXPIRATION: 'abc' });
    expect(err.message).toBe(
      'invalid value for option [identity] expiration: "abc" is not an integer (from env STRATUS_IDENTITY_EXPIRATION)',
    );
    if (!(err instanceof InvalidOptionValueError)) throw err;
    expect([err.group, err.option, err.source]).toEqual(['identity', 'expiration', 'env STRATUS_IDENTITY_EXPIRATION']);
  });

  it('errors: min, max, choices, port and bool are enforced at load', () => {
    expect(loadError('[database]\nmax_pool_size = 0\n').message).toBe(
      'invalid value for option [database] max_pool_size: 0 is less than the minimum 1 (from /etc/stratus/stratus.conf:2)',
    );
    expect(loadError(undefined, { STRATUS_DATABASE_MAX_POOL_SIZE: '101' }).message).toContain(
      '[database] max_pool_size: 101 is greater than the maximum 100',
    );
    expect(loadError('[identity]\ndriver = kerberos\n').message).toContain(
      '[identity] driver: "kerberos" is not one of: sql, ldap',
    );
    expect(loadError(undefined, { STRATUS_API_LISTEN_PORT: '99999' }).message).toContain(
      '[api] listen_port: 99999 is greater than the maximum 65535',
    );
    expect(loadError(undefined, { STRATUS_DEBUG: 'maybe' }).message).toContain(
      '[DEFAULT] debug: "maybe" is not a boolean',
    );
    expect(loadError('[identity]\nhash_ratio = lots\n').message).toContain('[identity] hash_ratio: "lots" is not a number');
  });

  it('errors: INI syntax errors propagate with file and line', () => {
    const err = loadError('[identity]\nexpiration\n');
    expect(err).toBeInstanceOf(IniParseError);
    expect(err.message).toMatch(/^\/etc\/stratus\/stratus\.conf:2: /);
  });

  it('warnings: unknown sections and options are reported, not fatal', () => {
    const { config, warnings } = load('[DEFAULT]\nverbose = true\ndebug = 1\n[keystone_authtoken]\nwww_authenticate_uri = x\n');
    expect(config.DEFAULT.debug).toBe(true);
    expect(warnings.map((w) => w.message)).toEqual([
      '/etc/stratus/stratus.conf:2: unknown option [DEFAULT] verbose',
      '/etc/stratus/stratus.conf:4: unknown section [keystone_authtoken]',
    ]);
    expect(warnings[0]).toMatchObject({ group: 'DEFAULT', option: 'verbose', line: 2 });
    expect(warnings[1]).not.toHaveProperty('option');
  });

  it('warnings: inherited object keys are not options', () => {
    const { warnings } = load('[constructor]\nx = 1\n[DEFAULT]\ntoString = 1\n');
    expect(warnings.map((w) => w.message)).toEqual([
      '/etc/stratus/stratus.conf:1: unknown section [constructor]',
      '/etc/stratus/stratus.conf:4: unknown option [DEFAULT] toString',
    ]);
  });

  it('result: frozen, and list defaults are not shared between loads', () => {
    const first = loadConfig(schema).config;
    first.api.enabled_apis.push('mutated');
    expect(loadConfig(schema).config.api.enabled_apis).toEqual(['identity', 'compute']);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.identity)).toBe(true);
  });

  describe('real files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-config-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('file: read from disk', () => {
      const path = join(dir, 'stratus.conf');
      writeFileSync(path, '[identity]\nexpiration = 120\n');
      expect(loadConfig(schema, { file: path }).config.identity.expiration).toBe(120);
    });

    it('file: a missing file given explicitly is an error', () => {
      const path = join(dir, 'missing.conf');
      expect(() => loadConfig(schema, { file: path })).toThrow(new ConfigError(`config file not found: ${path}`));
    });

    it('file: a directory is unreadable', () => {
      expect(() => loadConfig(schema, { file: dir })).toThrow(`cannot read config file ${dir}:`);
    });
  });
});
