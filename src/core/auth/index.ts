export { type RequestContext, policyCredentials } from './context.js';
export { type TokenValidator, CachingTokenValidator } from './validator.js';
export { requireToken, callerOf } from './hook.js';
