import { describe, it, expect } from 'vitest';
import { type Check, evaluate } from './checks.js';
import { PolicyParseError, parseListRule, parseRule, parseTextRule } from './parser.js';

type Dict = Record<string, unknown>;

/** Parses and evaluates one rule; `rules` supplies the targets of rule:NAME. */
function allowed(rule: string, creds: Dict, target: Dict = {}, rules: Record<string, string> = {}): boolean {
  const parsed = new Map(Object.entries(rules).map(([k, v]) => [k, parseTextRule(v)] as const));
  return evaluate(parseTextRule(rule), { target, creds, resolve: (n) => parsed.get(n), stack: new Set() });
}

const T = 'role:t'; // true for creds `yes`
const F = 'role:f'; // false for creds `yes`
const yes: Dict = { roles: ['t'] };

describe('parser: specials', () => {
  it('parse: @ always allows, ! never does', () => {
    expect(allowed('@', {})).toBe(true);
    expect(allowed('!', {})).toBe(false);
  });
  it('parse: empty and blank rules allow everyone', () => {
    expect(parseTextRule('')).toEqual({ type: 'true' });
    expect(allowed('   ', {})).toBe(true);
  });
});

describe('parser: operators', () => {
  it('precedence: and binds tighter than or', () => {
    // T or (F and F) -> true; a left-to-right reading ((T or F) and F) would be false.
    expect(allowed(`${T} or ${F} and ${F}`, yes)).toBe(true);
    expect(allowed(`${F} and ${F} or ${T}`, yes)).toBe(true);
    expect(allowed(`${F} or ${T} and ${F}`, yes)).toBe(false);
  });
  it('precedence: builds or-of-ands', () => {
    expect(parseTextRule('role:a or role:b and role:c')).toMatchObject({
      type: 'or',
      checks: [{ type: 'role' }, { type: 'and', checks: [{ type: 'role' }, { type: 'role' }] }],
    });
  });
  it('not: binds tighter than and/or', () => {
    expect(allowed(`not ${F} and ${T}`, yes)).toBe(true);
    expect(allowed(`not ${T} or ${T}`, yes)).toBe(true);
    expect(allowed(`not ${T} and ${T}`, yes)).toBe(false);
    expect(allowed(`not not ${T}`, yes)).toBe(true);
  });
  it('parentheses: override precedence, nest, and sit flush against checks', () => {
    expect(allowed(`(${T} or ${F}) and ${F}`, yes)).toBe(false);
    expect(allowed(`not (${T} or ${F})`, yes)).toBe(false);
    expect(allowed(`((${T}))`, yes)).toBe(true);
    expect(allowed(`(${F} or (${T} and (not ${F})))`, yes)).toBe(true);
  });
  it('operators: are case-insensitive like oslo', () => {
    expect(allowed(`${F} OR ${T}`, yes)).toBe(true);
    expect(allowed(`NOT ${T}`, yes)).toBe(false);
  });
});

describe('parser: role checks', () => {
  it('role: matches case-insensitively both ways', () => {
    expect(allowed('role:Admin', { roles: ['admin'] })).toBe(true);
    expect(allowed('role:admin', { roles: ['ADMIN'] })).toBe(true);
    expect(allowed('role:admin', { roles: ['member'] })).toBe(false);
  });
  it('role: denies when creds have no roles', () => {
    expect(allowed('role:admin', {})).toBe(false);
  });
  it('role: substitutes from the target', () => {
    expect(allowed('role:%(role_name)s', { roles: ['reader'] }, { role_name: 'Reader' })).toBe(true);
    expect(allowed('role:%(role_name)s', { roles: ['reader'] }, {})).toBe(false);
  });
});

describe('parser: generic checks', () => {
  const creds: Dict = { user_id: 'u1', project_id: 'p1', domain_id: null, is_admin: true, token: { user: { id: 'u1' } } };

  it('substitution: plain key', () => {
    expect(allowed('project_id:%(project_id)s', creds, { project_id: 'p1' })).toBe(true);
    expect(allowed('project_id:%(project_id)s', creds, { project_id: 'p2' })).toBe(false);
  });
  it('substitution: dotted key given flat', () => {
    expect(allowed('user_id:%(target.user.id)s', creds, { 'target.user.id': 'u1' })).toBe(true);
  });
  it('substitution: dotted key given nested', () => {
    expect(allowed('user_id:%(target.user.id)s', creds, { target: { user: { id: 'u1' } } })).toBe(true);
    expect(allowed('user_id:%(target.user.id)s', creds, { target: { user: { id: 'u2' } } })).toBe(false);
  });
  it('substitution: missing or null target value denies', () => {
    expect(allowed('user_id:%(target.user.id)s', creds, { target: {} })).toBe(false);
    // null on both sides must not match (oslo would compare "None" with "None").
    expect(allowed('domain_id:%(domain_id)s', creds, { domain_id: null })).toBe(false);
  });
  it('substitution: mixes with literal text and %%', () => {
    expect(allowed('name:%(a)s-%(b)s', { name: 'x-y' }, { a: 'x', b: 'y' })).toBe(true);
    expect(allowed('pct:100%%', { pct: '100%' })).toBe(true);
  });
  it('literal: True/False against boolean creds', () => {
    expect(allowed('is_admin:True', creds)).toBe(true);
    expect(allowed('is_admin:true', creds)).toBe(true);
    expect(allowed('is_admin:False', creds)).toBe(false);
    expect(allowed('is_admin:False', { is_admin: false })).toBe(true);
  });
  it('literal: quoted strings, with spaces kept inside quotes', () => {
    expect(allowed("user_id:'u1'", creds)).toBe(true);
    expect(allowed('user_id:"u1"', creds)).toBe(true);
    expect(allowed("name:'a b' and role:x", { name: 'a b', roles: ['x'] })).toBe(true);
  });
  it('literal: numbers', () => {
    expect(allowed('level:3', { level: 3 })).toBe(true);
    expect(allowed('level:3', { level: 4 })).toBe(false);
  });
  it('literal: on the left side, compared with the rendered target (oslo)', () => {
    expect(allowed("'member':%(role.name)s", {}, { role: { name: 'member' } })).toBe(true);
    expect(allowed('True:%(user.enabled)s', {}, { 'user.enabled': true })).toBe(true);
    expect(allowed('True:%(user.enabled)s', {}, { 'user.enabled': false })).toBe(false);
  });
  it('creds: dotted key walks nested creds and lists', () => {
    expect(allowed('token.user.id:u1', creds)).toBe(true);
    expect(allowed('groups.name:ops', { groups: [{ name: 'dev' }, { name: 'ops' }] })).toBe(true);
    expect(allowed('roles:admin', { roles: ['member', 'admin'] })).toBe(true);
  });
  it('creds: missing key denies', () => {
    expect(allowed('nope:x', creds)).toBe(false);
  });
});

describe('parser: rule references', () => {
  it('rule: evaluates the named rule', () => {
    expect(allowed('rule:admin', { roles: ['admin'] }, {}, { admin: 'role:admin' })).toBe(true);
    expect(allowed('rule:admin', { roles: ['member'] }, {}, { admin: 'role:admin' })).toBe(false);
  });
  it('rule: an unknown rule denies', () => {
    expect(allowed('rule:missing', yes)).toBe(false);
    expect(allowed('not rule:missing', yes)).toBe(true);
  });
  it('rule: a loop denies instead of overflowing the stack', () => {
    expect(allowed('rule:a', yes, {}, { a: 'rule:a' })).toBe(false);
    expect(allowed('rule:a', yes, {}, { a: 'rule:b', b: 'rule:a or rule:a' })).toBe(false);
    // The loop branch is false, the rest of the rule still counts.
    expect(allowed('rule:a', yes, {}, { a: `rule:a or ${T}` })).toBe(true);
  });
  it('rule: the same rule used twice is not a loop', () => {
    expect(allowed('rule:r and rule:r', yes, {}, { r: T })).toBe(true);
  });
});

describe('parser: malformed rules', () => {
  const bad = [
    'role:a and',
    'or role:a',
    '(role:a',
    'role:a)',
    '()',
    'role:a role:b',
    'admin',
    'role:',
    'rule:',
    ':x',
    'http://example.com/check',
    'user_id:%(target.id',
    "'quoted'",
    'not',
  ];
  for (const text of bad) {
    it(`malformed: rejects ${JSON.stringify(text)} naming the rule`, () => {
      expect(() => parseTextRule(text)).toThrow(PolicyParseError);
      expect(() => parseTextRule(text)).toThrow(text);
    });
  }
  it('malformed: error carries the rule text', () => {
    try {
      parseTextRule('role:a and and role:b');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyParseError);
      expect((err as PolicyParseError).rule).toBe('role:a and and role:b');
      expect((err as Error).message).toMatch(/^Invalid policy rule "role:a and and role:b": /);
    }
  });
});

describe('parser: legacy list-of-lists', () => {
  const run = (c: Check, creds: Dict): boolean => evaluate(c, { target: {}, creds, resolve: () => undefined, stack: new Set() });
  it('list: outer or, inner and', () => {
    const c = parseListRule([['role:admin'], ['role:member', 'user_id:u1']]);
    expect(run(c, { roles: ['admin'] })).toBe(true);
    expect(run(c, { roles: ['member'], user_id: 'u1' })).toBe(true);
    expect(run(c, { roles: ['member'], user_id: 'u2' })).toBe(false);
  });
  it('list: empty list allows, list of empty lists denies', () => {
    expect(run(parseRule([]), {})).toBe(true);
    expect(run(parseRule([[]]), {})).toBe(false);
  });
});

describe('parser: Keystone example', () => {
  const rule =
    '(role:reader and system_scope:all) or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s';
  const target = { target: { user: { id: 'u9', domain_id: 'd1' } } };
  it('keystone: system reader may', () => {
    expect(allowed(rule, { roles: ['reader'], system_scope: 'all', user_id: 'x' }, target)).toBe(true);
  });
  it("keystone: domain reader of the user's domain may, of another domain may not", () => {
    expect(allowed(rule, { roles: ['reader'], domain_id: 'd1', system_scope: null }, target)).toBe(true);
    expect(allowed(rule, { roles: ['reader'], domain_id: 'd2', system_scope: null }, target)).toBe(false);
  });
  it('keystone: the user themself may, a project member may not', () => {
    expect(allowed(rule, { roles: [], user_id: 'u9' }, target)).toBe(true);
    expect(allowed(rule, { roles: ['member'], user_id: 'u1', project_id: 'p1', domain_id: null }, target)).toBe(false);
  });
  it('keystone: flat target keys work too', () => {
    const flat = { 'target.user.id': 'u9', 'target.user.domain_id': 'd1' };
    expect(allowed(rule, { roles: ['reader'], domain_id: 'd1' }, flat)).toBe(true);
  });
});
