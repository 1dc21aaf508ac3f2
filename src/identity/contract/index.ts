/** What other services may import from identity: how to validate a caller's token. */
export { RemoteTokenValidator, type ServiceCredentials } from './remote-validator.js';
