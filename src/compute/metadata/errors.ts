import type { FastifyRequest } from 'fastify';
import { ApiError, RenderedBody } from '../../core/http/index.js';

/**
 * Errors of the metadata service, worded as Nova's metadata handler words them; the
 * bodies are webob's plain-text error pages, which is what guests have always parsed.
 */
export const badRequest = (explanation: string): ApiError => new ApiError(400, 'Bad Request', explanation);
export const badSignature = (): ApiError => new ApiError(403, 'Forbidden', 'Invalid proxy request signature.');
export const notFound = (): ApiError => new ApiError(404, 'Not Found', 'The resource could not be found.');
export const passwordAlreadySet = (): ApiError => new ApiError(409, 'Conflict', 'There was a conflict when trying to complete your request.');

const UNKNOWN = 'An unknown error has occurred. Please try your request again.';

/** webob's text/plain error page: status line, a blank line, the explanation. */
export function renderMetadataError(error: ApiError, _requestId: string, request: FastifyRequest): RenderedBody {
  let explanation = error.message;
  if (error.status === 405) explanation = `The method ${request.method} is not allowed for this resource.`;
  // Details of unexpected failures stay in the log (with the request id the response carries).
  if (error.status >= 500) explanation = UNKNOWN;
  return new RenderedBody('text/plain; charset=UTF-8', `${error.status} ${error.title}\n\n${explanation}\n\n   `);
}
