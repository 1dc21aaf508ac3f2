/**
 * Typed API errors. Any layer may throw these; each service maps them to its own
 * OpenStack wire body in exactly one place (its fault renderer). Anything that is not
 * an ApiError becomes a generic 500 that carries only the request id.
 */
export class ApiError extends Error {
  /** HTTP status code sent to the client. */
  readonly status: number;
  /** Short stable code (e.g. "Conflict") used as the title / fault key by renderers. */
  readonly title: string;
  /** Extra response headers (e.g. WWW-Authenticate on 401). */
  readonly headers: Record<string, string>;

  constructor(status: number, title: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.title = title;
    this.headers = headers;
  }
}

export class BadRequestError extends ApiError {
  constructor(message = 'The request you have made requires data that is missing or malformed.') {
    super(400, 'Bad Request', message);
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message = 'The request you have made requires authentication.') {
    super(401, 'Unauthorized', message);
  }
}

export class ForbiddenError extends ApiError {
  constructor(message = 'You are not authorized to perform the requested action.') {
    super(403, 'Forbidden', message);
  }
}

export class NotFoundError extends ApiError {
  constructor(message = 'Could not find the requested resource.') {
    super(404, 'Not Found', message);
  }
}

export class MethodNotAllowedError extends ApiError {
  constructor(message = 'The method is not allowed for the requested URL.') {
    super(405, 'Method Not Allowed', message);
  }
}

export class ConflictError extends ApiError {
  constructor(message = 'Conflict occurred attempting to store the resource.') {
    super(409, 'Conflict', message);
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(message = 'Request is too large.') {
    super(413, 'Request Entity Too Large', message);
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor(message = 'The media type of the request is not supported.') {
    super(415, 'Unsupported Media Type', message);
  }
}

export class NotImplementedError extends ApiError {
  constructor(message = 'The action you have requested has not been implemented.') {
    super(501, 'Not Implemented', message);
  }
}

export class ServiceUnavailableError extends ApiError {
  constructor(message = 'The service is unavailable.') {
    super(503, 'Service Unavailable', message);
  }
}
