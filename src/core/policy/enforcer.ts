/**
 * oslo.policy's Enforcer: services register default rules, the operator's policy file
 * overrides them by name, and every API call asks check()/authorize() before acting.
 * Rules are parsed once (at register or file load) so a check is a map lookup plus a
 * walk of a small tree.
 */
import { ForbiddenError } from '../http/errors.js';
import { type Clock, systemClock } from '../clock.js';
import { type Check, evaluate } from './checks.js';
import { OverrideFile } from './override-file.js';
import { PolicyParseError, parseTextRule } from './parser.js';

/** A rule a service ships with (oslo's RuleDefault / DocumentedRuleDefault). */
export interface PolicyDefault {
  /** Action or rule name, e.g. "identity:get_user" or "admin_required". */
  name: string;
  /** The rule in the policy language; "" allows everyone. */
  checkStr: string;
  description?: string;
  /** Token scopes the action is meant for: "system", "domain", "project". */
  scopeTypes?: string[];
}

export interface PolicyEnforcerOptions {
  defaults: readonly PolicyDefault[];
  /** policy.yaml / policy.json; a missing file means no overrides. */
  overrideFile?: string;
  /** Source of time for the reload throttle (tests use a ManualClock). */
  clock?: Clock;
  /** How often at most to stat the override file; default 1000 ms. */
  reloadIntervalMs?: number;
  /**
   * oslo's [oslo_policy] enforce_scope: deny when the token's scope is not in the
   * rule's scopeTypes. Off by default, as in Keystone before 2023.2.
   */
  enforceScope?: boolean;
  /** Told when a changed override file cannot be loaded (the previous rules stay). */
  onReloadError?: (error: Error) => void;
}

interface DefaultRule {
  readonly def: PolicyDefault;
  readonly check: Check;
}

export class PolicyEnforcer {
  private readonly defaults = new Map<string, DefaultRule>();
  private readonly file: OverrideFile | undefined;
  private readonly clock: Clock;
  private readonly enforceScope: boolean;
  private readonly onReloadError: (error: Error) => void;
  /** Effective rules: defaults with the file's overrides laid over them. Rebuilt on change. */
  private effective = new Map<string, Check>();
  private readonly resolve = (name: string): Check | undefined => this.effective.get(name);

  /** Throws PolicyParseError on a malformed default and Error on a malformed override file. */
  constructor(options: PolicyEnforcerOptions) {
    this.clock = options.clock ?? systemClock;
    this.enforceScope = options.enforceScope ?? false;
    this.onReloadError = options.onReloadError ?? (() => {});
    this.file =
      options.overrideFile === undefined ? undefined : new OverrideFile(options.overrideFile, options.reloadIntervalMs ?? 1000, this.clock.now().getTime());
    this.register(options.defaults);
  }

  /**
   * Adds more defaults (another service, a plugin). Throws if a name is already
   * registered or a rule does not parse; nothing is added in that case.
   */
  register(defaults: readonly PolicyDefault[]): void {
    const parsed: DefaultRule[] = [];
    const seen = new Set<string>();
    for (const def of defaults) {
      if (this.defaults.has(def.name) || seen.has(def.name)) {
        throw new Error(`Policy "${def.name}" is already registered`);
      }
      seen.add(def.name);
      try {
        parsed.push({ def, check: parseTextRule(def.checkStr) });
      } catch (err) {
        if (err instanceof PolicyParseError) throw new PolicyParseError(err.rule, `${err.message} (policy "${def.name}")`);
        throw err;
      }
    }
    for (const rule of parsed) this.defaults.set(rule.def.name, rule);
    this.rebuild();
  }

  /**
   * Whether creds may perform action on target. An action with no rule falls back to
   * the "default" rule if there is one, else denies. Never throws for a denial.
   */
  check(action: string, target: Record<string, unknown>, creds: Record<string, unknown>): boolean {
    this.maybeReload();
    const rule = this.effective.get(action) ?? this.effective.get('default');
    if (rule === undefined) return false;
    if (this.enforceScope && !this.scopeAllowed(action, creds)) return false;
    return evaluate(rule, { target, creds, resolve: this.resolve, stack: new Set([action]) });
  }

  /** Like check(), but throws Keystone's 403 when denied. */
  authorize(action: string, target: Record<string, unknown>, creds: Record<string, unknown>): void {
    if (!this.check(action, target, creds)) {
      throw new ForbiddenError(`You are not authorized to perform the requested action: ${action}.`);
    }
  }

  /** The rule text in force for name (override or default), for diagnostics. */
  ruleText(name: string): string | undefined {
    this.maybeReload();
    return this.file?.current().get(name)?.text ?? this.defaults.get(name)?.def.checkStr;
  }

  /** The registered defaults, e.g. to generate a sample policy file. */
  registered(): PolicyDefault[] {
    return [...this.defaults.values()].map((r) => r.def);
  }

  private maybeReload(): void {
    if (this.file === undefined) return;
    try {
      if (this.file.poll(this.clock.now().getTime())) this.rebuild();
    } catch (err) {
      this.onReloadError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private rebuild(): void {
    const next = new Map<string, Check>();
    for (const [name, rule] of this.defaults) next.set(name, rule.check);
    for (const [name, rule] of this.file?.current() ?? []) next.set(name, rule.check);
    this.effective = next;
  }

  /** oslo's scope check: the token's scope must be one the rule was written for. */
  private scopeAllowed(action: string, creds: Record<string, unknown>): boolean {
    const scopeTypes = this.defaults.get(action)?.def.scopeTypes;
    if (scopeTypes === undefined || scopeTypes.length === 0) return true;
    const scope =
      creds['system_scope'] === 'all' ? 'system' : creds['domain_id'] ? 'domain' : creds['project_id'] ? 'project' : undefined;
    return scope !== undefined && scopeTypes.includes(scope);
  }
}
