import { describe, expect, it } from 'vitest';
import { IniParseError } from './errors.js';
import { parseIni } from './ini.js';

const valuesOf = (text: string, section: string): Record<string, string> => {
  const found = parseIni(text, 'test.conf').get(section);
  return Object.fromEntries([...(found?.values ?? new Map())].map(([k, v]) => [k, v.value]));
};

function parseError(text: string): IniParseError {
  try {
    parseIni(text, '/etc/stratus/stratus.conf');
  } catch (err) {
    if (err instanceof IniParseError) return err;
    throw err;
  }
  throw new Error('expected a parse error');
}

describe('parseIni', () => {
  it('parse: sections, trimmed keys and values, comments and blank lines', () => {
    const doc = parseIni(
      ['# top comment', '[DEFAULT]', '  ', 'debug = true', '; another comment', '', '[database]', 'connection=sqlite:///x.db  ', '  '].join('\n'),
      'test.conf',
    );
    expect([...doc.keys()]).toEqual(['DEFAULT', 'database']);
    expect(doc.get('DEFAULT')?.values.get('debug')).toEqual({ value: 'true', line: 4 });
    expect(doc.get('database')?.values.get('connection')).toEqual({ value: 'sqlite:///x.db', line: 8 });
  });

  it('parse: the first of "=" or ":" separates key and value, as in oslo.config', () => {
    expect(valuesOf('[a]\nurl = http://h:5000/v3\nport: 80\nempty =\n', 'a')).toEqual({
      url: 'http://h:5000/v3',
      port: '80',
      empty: '',
    });
  });

  it('parse: matching surrounding quotes are removed', () => {
    expect(valuesOf(`[a]\nx = "quoted value "\ny = 'single'\nz = "unbalanced'\n`, 'a')).toEqual({
      x: 'quoted value ',
      y: 'single',
      z: `"unbalanced'`,
    });
  });

  it('parse: indented lines continue the previous value joined with newlines', () => {
    const text = '[a]\nmotd = first\n    second\n\tthird\n\nnext = 1\n';
    expect(valuesOf(text, 'a')).toEqual({ motd: 'first\nsecond\nthird', next: '1' });
  });

  it('parse: a blank line ends a multi-line value', () => {
    expect(() => parseIni('[a]\nx = 1\n\n  orphan\n', 'f.conf')).toThrow('f.conf:4: unexpected continuation line');
  });

  it('parse: an indented comment with no value open is still a comment', () => {
    expect(valuesOf('[a]\n  # indented comment\nx = 1\n', 'a')).toEqual({ x: '1' });
  });

  it('parse: duplicate keys keep the last value; repeated sections merge', () => {
    const text = '[a]\nx = 1\ny = 2\n[b]\nz = 3\n[a]\nx = 4\n';
    expect(valuesOf(text, 'a')).toEqual({ x: '4', y: '2' });
    const doc = parseIni(text, 'f');
    expect(doc.get('a')?.values.get('x')?.line).toBe(7);
  });

  it('parse: CRLF line endings and a byte order mark are accepted', () => {
    expect(valuesOf('\uFEFF[a]\r\nx = 1\r\ny = 2\r\n', 'a')).toEqual({ x: '1', y: '2' });
  });

  it('parse: __proto__ is an ordinary key', () => {
    expect(valuesOf('[a]\n__proto__ = 1\n', 'a')).toEqual({ ['__proto__']: '1' });
  });

  it('errors: name the file and line', () => {
    const err = parseError('[DEFAULT]\ndebug = true\nthis line has no separator\n');
    expect(err.message).toBe('/etc/stratus/stratus.conf:3: expected "key = value", got "this line has no separator"');
    expect(err.file).toBe('/etc/stratus/stratus.conf');
    expect(err.line).toBe(3);
  });

  it('errors: option before any section, bad header, empty names', () => {
    expect(parseError('x = 1\n').message).toBe('/etc/stratus/stratus.conf:1: option "x" appears before any [section] header');
    expect(parseError('[a]\n[broken\n').message).toBe('/etc/stratus/stratus.conf:2: invalid section header "[broken"');
    expect(parseError('[ ]\n').message).toBe('/etc/stratus/stratus.conf:1: empty section name');
    expect(parseError('[a]\n= 1\n').message).toBe('/etc/stratus/stratus.conf:2: empty option name');
  });
});
