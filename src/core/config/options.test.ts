import { describe, expect, expectTypeOf, it } from 'vitest';
import { opt, OptionValueError, type Option } from './options.js';

function reason(option: Option<unknown>, raw: string): string {
  try {
    option.parse(raw);
  } catch (err) {
    if (err instanceof OptionValueError) return err.message;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
}

describe('opt.str', () => {
  it('str: keeps the text and its default', () => {
    const o = opt.str({ default: 'sqlite://', help: 'database URL' });
    expect(o.default).toBe('sqlite://');
    expect(o.help).toBe('database URL');
    expect(o.parse('mysql://x')).toBe('mysql://x');
    expectTypeOf(o).toEqualTypeOf<Option<string>>();
  });

  it('str: choices refuse other values and narrow the type', () => {
    const o = opt.str({ default: 'fernet', choices: ['fernet', 'jws'] });
    expect(o.parse('jws')).toBe('jws');
    expect(reason(o, 'uuid')).toBe('"uuid" is not one of: fernet, jws');
    expectTypeOf(o).toEqualTypeOf<Option<'fernet' | 'jws'>>();
  });

  it('str: a default outside the choices is a declaration error', () => {
    // @ts-expect-error the default must be one of the choices
    expect(() => opt.str({ default: 'uuid', choices: ['fernet', 'jws'] })).toThrow(TypeError);
  });

  it('str: omitting the default makes the option nullable', () => {
    const o = opt.str({ secret: true });
    expect(o.default).toBeNull();
    expect(o.secret).toBe(true);
    expectTypeOf(o).toEqualTypeOf<Option<string | null>>();
  });
});

describe('opt.int', () => {
  it('int: parses signed integers, trimming spaces', () => {
    const o = opt.int({ default: 3600 });
    expect(o.parse(' 42 ')).toBe(42);
    expect(o.parse('-7')).toBe(-7);
    expectTypeOf(o).toEqualTypeOf<Option<number>>();
  });

  it.each(['abc', '1.5', '1e3', '0x10', '', '12abc', '99999999999999999999'])('int: refuses %j', (raw) => {
    expect(reason(opt.int({ default: 1 }), raw)).toBe(`${JSON.stringify(raw)} is not an integer`);
  });

  it('int: min and max are inclusive', () => {
    const o = opt.int({ default: 10, min: 1, max: 100 });
    expect(o.parse('1')).toBe(1);
    expect(o.parse('100')).toBe(100);
    expect(reason(o, '0')).toBe('0 is less than the minimum 1');
    expect(reason(o, '101')).toBe('101 is greater than the maximum 100');
  });

  it('int: an out-of-range default or min > max is a declaration error', () => {
    expect(() => opt.int({ default: 0, min: 1 })).toThrow('default of int option is invalid: 0 is less than the minimum 1');
    expect(() => opt.int({ default: 5, min: 10, max: 1 })).toThrow('min 10 greater than max 1');
  });

  it('int: nullable when the default is omitted', () => {
    expectTypeOf(opt.int({ min: 0 })).toEqualTypeOf<Option<number | null>>();
    expect(opt.int().default).toBeNull();
  });
});

describe('opt.port', () => {
  it('port: 0..65535', () => {
    const o = opt.port({ default: 5000 });
    expect(o.parse('0')).toBe(0);
    expect(o.parse('65535')).toBe(65535);
    expect(reason(o, '65536')).toBe('65536 is greater than the maximum 65535');
    expect(reason(o, '-1')).toBe('-1 is less than the minimum 0');
    expect(reason(o, 'http')).toBe('"http" is not an integer');
    expect(() => opt.port({ default: 70000 })).toThrow(TypeError);
  });
});

describe('opt.float', () => {
  it('float: decimal and exponent notation with bounds', () => {
    const o = opt.float({ default: 1.5, min: 0, max: 16 });
    expect(o.parse('2.25')).toBe(2.25);
    expect(o.parse('.5')).toBe(0.5);
    expect(o.parse('1e1')).toBe(10);
    expect(o.parse('3')).toBe(3);
    expect(reason(o, '16.5')).toBe('16.5 is greater than the maximum 16');
  });

  it.each(['abc', '', 'Infinity', 'NaN', '0x10', '1.2.3'])('float: refuses %j', (raw) => {
    expect(reason(opt.float({ default: 1 }), raw)).toBe(`${JSON.stringify(raw)} is not a number`);
  });
});

describe('opt.bool', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['Yes', true],
    ['1', true],
    ['on', true],
    ['false', false],
    ['No', false],
    ['0', false],
    ['OFF', false],
    [' off ', false],
  ] as const)('bool: %j is %s', (raw, expected) => {
    expect(opt.bool({ default: false }).parse(raw)).toBe(expected);
  });

  it('bool: anything else is refused', () => {
    expect(reason(opt.bool({ default: false }), 'maybe')).toBe(
      '"maybe" is not a boolean (use true/false, yes/no, on/off or 1/0)',
    );
    expectTypeOf(opt.bool({ default: true })).toEqualTypeOf<Option<boolean>>();
  });
});

describe('opt.list', () => {
  it('list: comma separated, items trimmed, empty items dropped', () => {
    const o = opt.list({ default: ['a'] });
    expect(o.parse('x, y ,z,')).toEqual(['x', 'y', 'z']);
    expect(o.parse('')).toEqual([]);
    expect(o.parse('a,\n b')).toEqual(['a', 'b']);
    expect(o.default).toEqual(['a']);
    expectTypeOf(o).toEqualTypeOf<Option<string[]>>();
  });
});
