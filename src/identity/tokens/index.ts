/** Fernet tokens compatible with Keystone's fernet provider; see token-formatter.ts. */
export { decrypt, encrypt, generateKey, InvalidFernetTokenError, restorePadding, timestampOf } from './fernet.js';
export type { DecryptOptions, FernetFailure } from './fernet.js';
export { initialize, KeyRepositoryNotInitializedError, loadKeys, rotate } from './key-repository.js';
export { FernetKeyRing, KeysNotFoundError } from './key-ring.js';
export type { KeySource } from './key-ring.js';
export { AUTH_METHODS } from './methods.js';
export { MalformedPayloadError, newAuditId, pack, unpack } from './payload.js';
export type { NewTokenPayload, TokenPayload, TokenScope } from './payload.js';
export { InvalidTokenError, TokenFormatter } from './token-formatter.js';
export type { InvalidTokenReason } from './token-formatter.js';
