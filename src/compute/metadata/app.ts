import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createServiceApp, MethodNotAllowedError } from '../../core/http/index.js';
import { badRequest, notFound, passwordAlreadySet, renderMetadataError } from './errors.js';
import { MAX_PASSWORD_BYTES, storePassword } from './password.js';
import { pathSegments, resolvePath, ROOT_LISTING } from './resolve.js';
import type { MetadataService } from './service.js';

/** Guests send the password with whatever content type their agent likes; it is stored as sent. */
const ANY_BODY = '*';

/**
 * The metadata service guests read (Nova's nova-api-metadata on port 8775), as one
 * Fastify app. No tokens: the requester is identified by a signed proxy header or by
 * its address (see identify.ts). Answers are text/plain or JSON as Nova's are; the one
 * writable path is POST /openstack/<version>/password.
 */
export function createMetadataApp(metadata: MetadataService, options: { bodyLimit: number }): FastifyInstance {
  const app = createServiceApp({ service: 'metadata', logger: metadata.compute.log, bodyLimit: options.bodyLimit, renderError: renderMetadataError });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(ANY_BODY, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  // Every method reaches the handler, so anything but GET and a password POST gets a 405 rather than a 404.
  for (const url of ['/', '/*']) app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url, handler: (request, reply) => answer(metadata, request, reply) });
  return app;
}

async function answer(metadata: MetadataService, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  // HEAD reaches here as the GET route's twin (Fastify drops the body).
  const reading = request.method === 'GET' || request.method === 'HEAD';
  if (!reading && request.method !== 'POST') methodNotAllowed();
  const path = decodedPath(request.url);
  // The version list needs no instance, as in Nova.
  if (pathSegments(path).length === 0) {
    if (!reading) methodNotAllowed();
    return reply.type('text/plain; charset=UTF-8').send(ROOT_LISTING);
  }
  const { source, address } = await metadata.identify({ headers: request.headers, socketAddress: request.socket.remoteAddress ?? '' });
  const found = resolvePath(source, path, { now: metadata.compute.clock.now(), randomBytes: metadata.random, address });
  if (found.kind === 'missing') throw notFound();
  if (found.kind === 'password') return request.method === 'POST' ? postPassword(metadata, source.uuid, source.password, request, reply) : sendText(reply, source.password ?? '');
  if (!reading) methodNotAllowed();
  return reply.type(found.contentType === 'application/json' ? 'application/json' : 'text/plain; charset=UTF-8').send(found.body);
}

/** Nova's password handler: once only (409 after), at most 1020 bytes (400). */
async function postPassword(metadata: MetadataService, uuid: string, current: string | null, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (current) throw passwordAlreadySet();
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  if (body.length > MAX_PASSWORD_BYTES) throw badRequest('Request is too large.');
  const result = await storePassword(metadata.compute, uuid, body.toString('utf8'));
  if (result === 'already-set') throw passwordAlreadySet();
  if (result === 'gone') throw notFound();
  return sendText(reply, '');
}

const sendText = (reply: FastifyReply, text: string): FastifyReply => reply.type('text/plain; charset=UTF-8').send(text);

/** The path as sent, percent-decoding undone; undecodable paths name nothing. */
function decodedPath(url: string): string {
  const raw = url.split('?')[0] ?? '/';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw notFound();
  }
}

/** Only the password may be written (Nova would answer a POST elsewhere with the document; a write that does nothing is a client error). */
function methodNotAllowed(): never {
  throw new MethodNotAllowedError();
}
