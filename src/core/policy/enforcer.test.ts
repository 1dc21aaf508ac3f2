import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForbiddenError } from '../http/errors.js';
import { ManualClock } from '../clock.js';
import { PolicyEnforcer, type PolicyDefault } from './enforcer.js';
import { PolicyParseError } from './parser.js';

const defaults: PolicyDefault[] = [
  { name: 'admin_required', checkStr: 'role:admin' },
  { name: 'owner', checkStr: 'user_id:%(target.user.id)s' },
  { name: 'identity:get_user', checkStr: 'rule:admin_required or rule:owner' },
  { name: 'identity:delete_user', checkStr: 'rule:admin_required' },
  { name: 'identity:get_region', checkStr: '' },
];

const admin = { user_id: 'a', roles: ['admin'] };
const alice = { user_id: 'alice', roles: ['member'] };
const aliceTarget = { target: { user: { id: 'alice' } } };

describe('enforcer: defaults', () => {
  const enforcer = new PolicyEnforcer({ defaults });

  it('check: follows rule: references', () => {
    expect(enforcer.check('identity:get_user', aliceTarget, admin)).toBe(true);
    expect(enforcer.check('identity:get_user', aliceTarget, alice)).toBe(true);
    expect(enforcer.check('identity:get_user', { target: { user: { id: 'bob' } } }, alice)).toBe(false);
  });
  it('check: empty rule allows anyone', () => {
    expect(enforcer.check('identity:get_region', {}, {})).toBe(true);
  });
  it('check: unregistered action without a default rule denies', () => {
    expect(enforcer.check('identity:nope', {}, admin)).toBe(false);
  });
  it('check: unregistered action falls back to the "default" rule', () => {
    const e = new PolicyEnforcer({ defaults: [...defaults, { name: 'default', checkStr: 'rule:admin_required' }] });
    expect(e.check('identity:nope', {}, admin)).toBe(true);
    expect(e.check('identity:nope', {}, alice)).toBe(false);
  });
  it("authorize: throws Keystone's 403 on denial, returns on success", () => {
    expect(() => enforcer.authorize('identity:delete_user', {}, admin)).not.toThrow();
    expect(() => enforcer.authorize('identity:delete_user', {}, alice)).toThrow(ForbiddenError);
    expect(() => enforcer.authorize('identity:delete_user', {}, alice)).toThrow(
      'You are not authorized to perform the requested action: identity:delete_user.',
    );
  });
  it('register: adds rules later, referable from earlier ones', () => {
    const e = new PolicyEnforcer({ defaults: [{ name: 'x:do', checkStr: 'rule:later' }] });
    expect(e.check('x:do', {}, admin)).toBe(false);
    e.register([{ name: 'later', checkStr: '@' }]);
    expect(e.check('x:do', {}, admin)).toBe(true);
  });
  it('register: rejects duplicates and malformed rules, naming them', () => {
    const e = new PolicyEnforcer({ defaults });
    expect(() => e.register([{ name: 'owner', checkStr: '@' }])).toThrow(/owner/);
    expect(() => e.register([{ name: 'bad', checkStr: 'role:a and' }])).toThrow(PolicyParseError);
    expect(() => e.register([{ name: 'bad', checkStr: 'role:a and' }])).toThrow(/"role:a and".*policy "bad"/);
  });
  it('recursion: a self-referencing action denies', () => {
    const e = new PolicyEnforcer({
      defaults: [
        { name: 'loop', checkStr: 'rule:loop' },
        { name: 'x:ping', checkStr: 'rule:ping_a' },
        { name: 'ping_a', checkStr: 'rule:ping_b' },
        { name: 'ping_b', checkStr: 'rule:ping_a or rule:x:ping' },
      ],
    });
    expect(e.check('loop', {}, admin)).toBe(false);
    expect(e.check('x:ping', {}, admin)).toBe(false);
  });
  it('scope: enforced only when asked', () => {
    const scoped: PolicyDefault[] = [{ name: 'x:sys', checkStr: 'role:admin', scopeTypes: ['system'] }];
    const projectAdmin = { roles: ['admin'], project_id: 'p1', system_scope: null };
    const systemAdmin = { roles: ['admin'], system_scope: 'all' };
    expect(new PolicyEnforcer({ defaults: scoped }).check('x:sys', {}, projectAdmin)).toBe(true);
    const strict = new PolicyEnforcer({ defaults: scoped, enforceScope: true });
    expect(strict.check('x:sys', {}, projectAdmin)).toBe(false);
    expect(strict.check('x:sys', {}, systemAdmin)).toBe(true);
  });
});

describe('enforcer: override file', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;
  // Explicit, increasing mtimes so a rewrite is always seen as a change.
  let mtime = 1_700_000_000;
  const write = (text: string): void => {
    writeFileSync(file, text);
    mtime += 10;
    utimesSync(file, mtime, mtime);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stratus-policy-'));
    file = join(dir, 'policy.yaml');
    clock = new ManualClock();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('override: a YAML rule replaces the default of the same name', () => {
    write('"identity:delete_user": "role:member"\n');
    const e = new PolicyEnforcer({ defaults, overrideFile: file, clock });
    expect(e.check('identity:delete_user', {}, alice)).toBe(true);
    expect(e.check('identity:delete_user', {}, admin)).toBe(false);
    expect(e.ruleText('identity:delete_user')).toBe('role:member');
  });
  it('override: new names may be referenced through rule:', () => {
    write('"auditor": "role:auditor"\n"identity:get_user": "rule:auditor"\n');
    const e = new PolicyEnforcer({ defaults, overrideFile: file, clock });
    expect(e.check('identity:get_user', aliceTarget, { roles: ['Auditor'] })).toBe(true);
    expect(e.check('identity:get_user', aliceTarget, alice)).toBe(false);
  });
  it('override: JSON files and the legacy list form are read too', () => {
    file = join(dir, 'policy.json');
    write(JSON.stringify({ 'identity:delete_user': [['role:member', 'user_id:alice']] }));
    const e = new PolicyEnforcer({ defaults, overrideFile: file, clock });
    expect(e.check('identity:delete_user', {}, alice)).toBe(true);
    expect(e.check('identity:delete_user', {}, { ...alice, user_id: 'bob' })).toBe(false);
  });
  it('override: a missing file means defaults only', () => {
    const e = new PolicyEnforcer({ defaults, overrideFile: join(dir, 'absent.yaml'), clock });
    expect(e.check('identity:delete_user', {}, admin)).toBe(true);
  });
  it('override: a malformed rule fails construction, naming file, rule and text', () => {
    write('"identity:delete_user": "role:admin or"\n');
    expect(() => new PolicyEnforcer({ defaults, overrideFile: file, clock })).toThrow(
      /policy\.yaml.*identity:delete_user.*"role:admin or"/,
    );
  });
  it('reload: picks up a changed file, at most once per second', () => {
    write('"identity:delete_user": "role:admin"\n');
    const e = new PolicyEnforcer({ defaults, overrideFile: file, clock });
    expect(e.check('identity:delete_user', {}, alice)).toBe(false);
    write('"identity:delete_user": "role:member"\n');
    clock.advance(999);
    expect(e.check('identity:delete_user', {}, alice)).toBe(false); // throttled since load
    clock.advance(1);
    expect(e.check('identity:delete_user', {}, alice)).toBe(true);
    write('"identity:delete_user": "!"\n');
    clock.advance(500);
    expect(e.check('identity:delete_user', {}, alice)).toBe(true); // throttled
    clock.advance(500);
    expect(e.check('identity:delete_user', {}, alice)).toBe(false);
  });
  it('reload: a broken edit keeps the previous rules and is reported once', () => {
    write('"identity:delete_user": "role:member"\n');
    const errors: Error[] = [];
    const e = new PolicyEnforcer({ defaults, overrideFile: file, clock, onReloadError: (err) => errors.push(err) });
    write('"identity:delete_user": "role:member and"\n');
    clock.advance(1000);
    expect(e.check('identity:delete_user', {}, alice)).toBe(true);
    clock.advance(1000);
    expect(e.check('identity:delete_user', {}, alice)).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/role:member and/);
  });
  it('reload: deleting the file restores the defaults', () => {
    write('"identity:delete_user": "role:member"\n');
    const e = new PolicyEnforcer({ defaults, overrideFile: file, clock });
    rmSync(file);
    clock.advance(1000);
    expect(e.check('identity:delete_user', {}, alice)).toBe(false);
    expect(e.check('identity:delete_user', {}, admin)).toBe(true);
  });
});

describe('enforcer: Keystone-like rule', () => {
  const e = new PolicyEnforcer({
    defaults: [
      {
        name: 'identity:get_user',
        checkStr:
          '(role:reader and system_scope:all) or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s',
      },
    ],
  });
  const target = { target: { user: { id: 'u9', domain_id: 'd1' } } };
  const creds = (over: Record<string, unknown>): Record<string, unknown> => ({
    user_id: 'u1',
    user_domain_id: 'default',
    project_id: null,
    project_domain_id: null,
    domain_id: null,
    system_scope: null,
    roles: [],
    is_admin: false,
    is_admin_project: true,
    ...over,
  });
  it('keystone: system reader, domain reader, self allowed', () => {
    expect(e.check('identity:get_user', target, creds({ roles: ['reader'], system_scope: 'all' }))).toBe(true);
    expect(e.check('identity:get_user', target, creds({ roles: ['reader'], domain_id: 'd1' }))).toBe(true);
    expect(e.check('identity:get_user', target, creds({ user_id: 'u9' }))).toBe(true);
  });
  it('keystone: other-domain reader and project member denied', () => {
    expect(e.check('identity:get_user', target, creds({ roles: ['reader'], domain_id: 'd2' }))).toBe(false);
    expect(e.check('identity:get_user', target, creds({ roles: ['member', 'reader'], project_id: 'p1' }))).toBe(false);
  });
  it('hot path: many checks stay fast', () => {
    const c = creds({ roles: ['reader'], domain_id: 'd2' });
    const start = performance.now();
    for (let i = 0; i < 20_000; i++) e.check('identity:get_user', target, c);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
