import { ApiError } from '../core/http/index.js';

/**
 * Neutron's faults: every error carries an exception type name (NetworkNotFound,
 * InvalidInput, ...) that clients and Tempest match on, and renders as
 * {"NeutronError": {"type", "message", "detail"}}.
 */
export class NeutronError extends ApiError {
  constructor(status: number, readonly type: string, message: string) {
    super(status, TITLES[status] ?? 'Error', message);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Generic fault types for errors raised outside the network code (auth, parsing, routing). */
const GENERIC_TYPES: Record<number, string> = {
  400: 'HTTPBadRequest', 401: 'HTTPUnauthorized', 403: 'HTTPForbidden', 404: 'HTTPNotFound', 405: 'HTTPMethodNotAllowed',
  409: 'HTTPConflict', 413: 'HTTPRequestEntityTooLarge', 415: 'HTTPUnsupportedMediaType', 500: 'HTTPInternalServerError',
};

export function renderNeutronError(error: ApiError): unknown {
  const type = error instanceof NeutronError ? error.type : GENERIC_TYPES[error.status] ?? 'NeutronError';
  return { NeutronError: { type, message: error.message, detail: '' } };
}

export const invalidInput = (message: string): NeutronError => new NeutronError(400, 'InvalidInput', `Invalid input for operation: ${message}.`);
/** neutron_lib's BadRequest: "Bad <resource> request: <msg>." */
export const badRequest = (resource: string, msg: string): NeutronError => new NeutronError(400, 'BadRequest', `Bad ${resource} request: ${msg}.`);
export const notFound = (type: string, message: string): NeutronError => new NeutronError(404, type, message);
export const inUse = (type: string, message: string): NeutronError => new NeutronError(409, type, message);
export const notAuthorized = (): NeutronError => new NeutronError(403, 'HTTPForbidden', 'The request you have made requires authentication.');
export const policyNotAuthorized = (action: string): NeutronError =>
  new NeutronError(403, 'PolicyNotAuthorized', `(rule:${action}) is disallowed by policy`);
