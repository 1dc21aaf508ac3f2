/** What other services may import from identity: token validation and limits, over HTTP. */
export { RemoteTokenValidator } from './remote-validator.js';
export { RemoteLimitReader } from './remote-limits.js';
export { ServiceSession, type ServiceCredentials } from './service-session.js';
