import { describe, expect, expectTypeOf, it } from 'vitest';
import { loadConfig } from './load.js';
import { opt } from './options.js';
import { defineSchema, mergeSchemas } from './schema.js';

const debug = opt.bool({ default: false });
const common = defineSchema({ DEFAULT: { debug, data_dir: opt.str({ default: '/var/lib/stratus' }) } });
const identity = defineSchema({
  DEFAULT: { debug },
  token: { expiration: opt.int({ default: 3600 }) },
});
const compute = defineSchema({
  DEFAULT: { host: opt.str({ default: 'localhost' }) },
  compute: { cpu_allocation_ratio: opt.float({ default: 4 }) },
});

describe('mergeSchemas', () => {
  it('merge: groups from both sides, options of a shared group combined', () => {
    const merged = mergeSchemas(mergeSchemas(common, identity), compute);
    expect(Object.keys(merged).sort()).toEqual(['DEFAULT', 'compute', 'token']);
    expect(Object.keys(merged.DEFAULT).sort()).toEqual(['data_dir', 'debug', 'host']);

    const { config } = loadConfig(merged, { env: { STRATUS_HOST: 'node1', STRATUS_TOKEN_EXPIRATION: '60' } });
    expect(config.DEFAULT).toEqual({ debug: false, data_dir: '/var/lib/stratus', host: 'node1' });
    expect(config.token.expiration).toBe(60);
    expectTypeOf(config.DEFAULT.host).toEqualTypeOf<string>();
    expectTypeOf(config.DEFAULT.debug).toEqualTypeOf<boolean>();
    expectTypeOf(config.compute.cpu_allocation_ratio).toEqualTypeOf<number>();
    expectTypeOf(config.token.expiration).toEqualTypeOf<number>();
  });

  it('merge: inputs are left unchanged', () => {
    mergeSchemas(common, compute);
    expect(Object.keys(common.DEFAULT)).toEqual(['debug', 'data_dir']);
  });

  it('merge: two different declarations of one option throw', () => {
    const other = { DEFAULT: { debug: opt.bool({ default: true }) } };
    expect(() => mergeSchemas(common, other)).toThrow('option [DEFAULT] debug is declared twice with different definitions');
  });
});
