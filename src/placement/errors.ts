import type { FastifyRequest } from 'fastify';
import { ApiError } from '../core/http/index.js';

/**
 * Placement's error codes (the `code` of an error body from microversion 1.23), so
 * clients such as Nova's report client can tell a generation conflict from the rest.
 */
export const ErrorCode = {
  DEFAULT: 'placement.undefined_code',
  INVENTORY_INUSE: 'placement.inventory.inuse',
  CONCURRENT_UPDATE: 'placement.concurrent_update',
  DUPLICATE_NAME: 'placement.duplicate_name',
  PROVIDER_IN_USE: 'placement.resource_provider.inuse',
  PROVIDER_CANNOT_DELETE_PARENT: 'placement.resource_provider.cannot_delete_parent',
  RESOURCE_PROVIDER_NOT_FOUND: 'placement.resource_provider.not_found',
  ILLEGAL_DUPLICATE_QUERYPARAM: 'placement.query.duplicate_key',
  QUERYPARAM_BAD_VALUE: 'placement.query.bad_value',
  QUERYPARAM_MISSING_VALUE: 'placement.query.missing_value',
} as const;

export class PlacementError extends ApiError {
  constructor(status: number, message: string, readonly code: string = ErrorCode.DEFAULT) {
    super(status, TITLES[status] ?? 'Error', message);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error',
};

/** webob's explanation of each status, which Placement's error details start with. */
const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  401: 'This server could not verify that you are authorized to access the document you requested.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method is not allowed for this resource.',
  406: 'The resource could not be generated that was acceptable to your browser (content of type application/json.',
  409: 'There was a conflict when trying to complete your request.',
  413: 'The request is larger than the server is willing or able to process.',
  415: 'The request media type is not supported by this server.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
};

/** {"errors": [{status, title, detail, request_id, code}]}, the API-WG error form Placement uses. */
export function renderPlacementError(error: ApiError, requestId: string, request: FastifyRequest): unknown {
  const explanation = EXPLANATIONS[error.status] ?? '';
  const detail = error.message && error.message !== explanation ? `${explanation}\n\n ${error.message}  ` : `${explanation}\n\n   `;
  const entry: Record<string, unknown> = { status: error.status, title: error.title, detail, request_id: requestId };
  // The code arrived with microversion 1.23; before it the body has none.
  const version = (request as Partial<FastifyRequest>).apiVersion;
  if (!version || version.atLeast('1.23')) entry.code = error instanceof PlacementError ? error.code : ErrorCode.DEFAULT;
  return { errors: [entry] };
}

export const badRequest = (message: string, code?: string): PlacementError => new PlacementError(400, message, code);
export const notFound = (message: string, code?: string): PlacementError => new PlacementError(404, message, code);
export const conflict = (message: string, code?: string): PlacementError => new PlacementError(409, message, code);
export const generationConflict = (what = 'resource provider'): PlacementError =>
  new PlacementError(409, `${what} generation conflict`, ErrorCode.CONCURRENT_UPDATE);
