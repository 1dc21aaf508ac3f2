import { describe, expect, it } from 'vitest';
import { BusSerializationError } from './errors.js';
import { toJson } from './json.js';

describe('toJson', () => {
  it('json: plain data passes; Date becomes its ISO string; undefined members vanish', () => {
    const when = new Date('2026-01-02T03:04:05.000Z');
    expect(toJson({ a: 1, b: 'x', c: [true, null, undefined], d: { when }, e: undefined }, 'args')).toEqual({
      a: 1,
      b: 'x',
      c: [true, null, null],
      d: { when: '2026-01-02T03:04:05.000Z' },
    });
    expect(toJson(undefined, 'result')).toBeUndefined();
  });

  it('json: __proto__ stays an ordinary key', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    const json = toJson(value, 'args');
    expect(Object.keys(json ?? {})).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([
    [{ f: () => 1 }, 'args.f is a function and cannot be sent'],
    [{ n: 10n }, 'args.n is a bigint and cannot be sent'],
    [{ s: Symbol('x') }, 'args.s is a symbol and cannot be sent'],
    [{ x: [1, Number.NaN] }, 'args.x[1] is NaN, which JSON cannot carry'],
    [{ m: new Map([['a', 1]]) }, 'args.m is a Map; only plain objects, arrays and primitives can be sent'],
    [{ set: new Set() }, 'args.set is a Set; only plain objects, arrays and primitives can be sent'],
    [{ e: new Error('x') }, 'args.e is a Error; only plain objects, arrays and primitives can be sent'],
  ])('json: refuses %o', (value, message) => {
    expect(() => toJson(value, 'args')).toThrow(new BusSerializationError(message));
  });

  it('json: circular references are refused, shared ones are fine', () => {
    const shared = { x: 1 };
    expect(toJson({ a: shared, b: shared }, 'args')).toEqual({ a: { x: 1 }, b: { x: 1 } });
    const loop: Record<string, unknown> = {};
    loop['self'] = loop;
    expect(() => toJson(loop, 'args')).toThrow('args.self is a circular reference');
  });
});
