import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TokenValidator } from '../auth/validator.js';
import type { Logger } from '../log.js';
import { lazyValidatorCompiler } from './lazy-validator.js';
import { ApiError, BadRequestError, MethodNotAllowedError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.js';

/**
 * Turns an ApiError into the body of one service's wire format: a value sent as JSON,
 * or a RenderedBody when the service negotiates another type (Glance answers HTML
 * unless the client asks for JSON).
 */
export type ErrorRenderer = (error: ApiError, requestId: string, request: FastifyRequest) => unknown;

/** An error body already serialised, with its content type. */
export class RenderedBody {
  constructor(readonly contentType: string, readonly body: string) {}
}

/** What every service's API app is built with by the process that hosts it. */
export interface ServiceApiOptions {
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** How callers' tokens are validated: in-process in the all-in-one, over HTTP when split. */
  tokens: TokenValidator;
}

export interface ServiceAppOptions {
  /** Service name, used in logs. */
  service: string;
  logger: Logger;
  /** Largest request body accepted, in bytes; larger ones get the service's 413. */
  bodyLimit: number;
  renderError: ErrorRenderer;
  /** Rewrites a request URL before routing (Neutron accepts a `.json` suffix on any path). */
  rewriteUrl?: (url: string) => string;
}

/**
 * A Fastify instance with what every OpenStack API shares: request ids echoed in
 * `x-openstack-request-id`, JSON bodies validated without type coercion, body size
 * limits, and every error (ours, Fastify's, or unexpected) rendered once in the
 * service's own error body.
 */
export function createServiceApp(options: ServiceAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger.child({ service: options.service }) as FastifyBaseLogger,
    // Per-request access logs would cost more than the hot token path itself.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: options.bodyLimit,
    genReqId: () => `req-${randomUUID()}`,
    // Names in paths (metadef namespaces, tags) may be long once percent-encoded.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 2048 },
    return503OnClosing: false,
    // Undecodable URLs are refused before routing; answer them in the service's own error body too.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-openstack-request-id', request.id);
      void sendError(reply, request, new BadRequestError(error.message), options.renderError);
    },
    ...(options.rewriteUrl ? { rewriteUrl: (req: { url?: string }) => options.rewriteUrl!(req.url ?? '/') } : {}),
  });
  app.setValidatorCompiler(lazyValidatorCompiler());

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-openstack-request-id', request.id);
    // PostgreSQL cannot store or compare a NUL character: refuse it here as bad input, not as a 500 from the database.
    if (/%00/.test(request.url)) throw new BadRequestError('Invalid input: the request URL carries a NUL character.');
  });

  // Clients send JSON with and without a charset, and some send an empty body with a
  // JSON content type (for example DELETE): treat that as "no body" rather than an error.
  app.removeContentTypeParser('application/json');
  addJsonParser(app, /^application\/(.+\+)?json/);

  app.setNotFoundHandler(async (request, reply) => {
    const methods = routeMethodsFor(app, request);
    const error = methods ? new MethodNotAllowedError() : new NotFoundError('The resource could not be found.');
    return sendError(reply, request, error, options.renderError);
  });

  app.setErrorHandler(async (error: FastifyError | ApiError, request, reply) => {
    return sendError(reply, request, toApiError(error, request, options.logger), options.renderError);
  });

  return app;
}

/** `\u0000` in JSON text (an escaped backslash before it does not count): a NUL in some string. */
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/i;

/**
 * Parses bodies of the given media types as JSON: empty means "no body", malformed is
 * a 400. Services with JSON dialects of their own (Glance's JSON-patch types) add theirs.
 */
export function addJsonParser(app: FastifyInstance, types: RegExp | string[]): void {
  app.addContentTypeParser(types, { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    if (ESCAPED_NUL.test(text)) return done(new BadRequestError('Invalid input: the request body carries a NUL character.'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new BadRequestError('Malformed JSON in request body.'), undefined);
    }
  });
}

function routeMethodsFor(app: FastifyInstance, request: FastifyRequest): boolean {
  const url = request.url.split('?')[0] ?? '/';
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const) {
    if (method !== request.method && app.hasRoute({ method, url })) return true;
  }
  return false;
}

function sendError(reply: FastifyReply, request: FastifyRequest, error: ApiError, render: ErrorRenderer): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  const body = render(error, request.id, request);
  if (body instanceof RenderedBody) return reply.status(error.status).type(body.contentType).send(body.body);
  return reply.status(error.status).type('application/json').send(body);
}

/** Maps anything thrown to an ApiError; the unexpected is logged and becomes a bare 500. */
function toApiError(error: FastifyError | ApiError, request: FastifyRequest, logger: Logger): ApiError {
  if (error instanceof ApiError) return error;
  const fe = error as FastifyError;
  if (fe.validation) return new BadRequestError(`Invalid input for field '${validationField(fe)}': ${fe.message}`);
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe.statusCode === 413) return new PayloadTooLargeError('Request is too large.');
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.statusCode === 415) return new UnsupportedMediaTypeError();
  if (fe.statusCode === 400) return new BadRequestError(fe.message);
  logger.error({ err: error, request_id: request.id }, 'unexpected error');
  return new ApiError(500, 'Internal Server Error',
    `An unexpected error prevented the server from fulfilling your request. (request id ${request.id})`);
}

function validationField(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return 'body';
  const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = (first.params as { missingProperty?: string }).missingProperty;
  return missing ? (path ? `${path}.${missing}` : missing) : path || 'body';
}
