import { ApiError, BadRequestError, ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from '../core/http/index.js';

/** Keystone's own messages for the errors identity raises, kept in one place. */
export const notFound = (kind: string, id: string): NotFoundError =>
  new NotFoundError(`Could not find ${kind}: ${id}.`);

export const duplicate = (kind: string, field: string, value: string): ConflictError =>
  new ConflictError(`Conflict occurred attempting to store ${kind} - Duplicate entry found with ${field} ${value}.`);

export const validation = (message: string): BadRequestError => new BadRequestError(message);

/** One message for every credential failure so it never reveals whether a user exists. */
export const authFailed = (): UnauthorizedError => new UnauthorizedError('The request you have made requires authentication.');

export const forbidden = (message?: string): ForbiddenError => new ForbiddenError(message);

/** Keystone renders every error as {"error": {"code", "title", "message"}}. */
export function renderKeystoneError(error: ApiError): unknown {
  return { error: { code: error.status, title: error.title, message: error.message } };
}
