import { ApiError } from '../core/http/index.js';

/** Nova's fault names by status (nova.api.openstack.wsgi.Fault); anything else is a computeFault. */
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod',
  409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 429: 'overLimit', 501: 'notImplemented', 503: 'serviceUnavailable',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 501: 'Not Implemented',
};

export class NovaError extends ApiError {
  constructor(status: number, message: string) {
    super(status, TITLES[status] ?? 'Error', message);
  }
}

/** {"itemNotFound": {"code": 404, "message": "..."}}: the body Nova and its clients speak. */
export function renderNovaError(error: ApiError): unknown {
  return { [FAULT_NAMES[error.status] ?? 'computeFault']: { code: error.status, message: error.message } };
}

export const badRequest = (message: string): NovaError => new NovaError(400, message);
export const forbidden = (message: string): NovaError => new NovaError(403, message);
export const notFound = (message: string): NovaError => new NovaError(404, message);
export const conflict = (message: string): NovaError => new NovaError(409, message);
/** An API Nova removed (nova-network, Xen, cells v1...): 410 with webob's HTTPGone text, as Nova answers. */
export const gone = (): never => {
  throw new NovaError(410, 'This resource is no longer available.  No forwarding address is given.');
};
export const policyDenied = (action: string): NovaError => new NovaError(403, `Policy doesn't allow ${action} to be performed.`);
