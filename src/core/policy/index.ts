export { PolicyEnforcer, type PolicyDefault, type PolicyEnforcerOptions } from './enforcer.js';
export { PolicyParseError, parseRule, parseTextRule, parseListRule, type ListRule } from './parser.js';
export { type Check, type EvalContext, evaluate } from './checks.js';
export { loadOverrides, parseOverrides } from './override-file.js';
