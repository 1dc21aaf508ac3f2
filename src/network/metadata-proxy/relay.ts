import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * The HTTP pass-through both halves of the metadata path share (the namespace proxy
 * and the host agent). node: modules only: ns-proxy.js, which runs once per namespace,
 * loads nothing else.
 */

/** Connection-level headers, meaningless past one hop. */
export const HOP_HEADERS = ['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer'];

export function without(headers: IncomingHttpHeaders, names: readonly string[]): IncomingHttpHeaders {
  const out = { ...headers };
  for (const n of names) delete out[n];
  return out;
}

/** A short plain-text answer (errors: the guest's tools print it). */
export function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Sends `req` on to `target` (a URL, or options with a unix socketPath) with `headers`
 * instead of its own, streaming the body both ways. When the target cannot be reached
 * `unreachable` is told and the guest gets a 502; a guest that goes away mid-request
 * takes the upstream request with it.
 */
export function relay(req: IncomingMessage, res: ServerResponse, target: URL | RequestOptions, headers: IncomingHttpHeaders, unreachable: (err: Error) => void): void {
  const options: RequestOptions = { method: req.method, headers };
  const onReply = (reply: IncomingMessage): void => {
    res.writeHead(reply.statusCode ?? 502, without(reply.headers, HOP_HEADERS));
    reply.pipe(res);
    reply.on('error', () => res.destroy());
  };
  const upstream = target instanceof URL
    ? (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, options, onReply)
    : httpRequest({ ...target, ...options }, onReply);
  upstream.on('error', (err) => {
    unreachable(err);
    if (res.headersSent) res.destroy();
    else answer(res, 502, 'Metadata service unreachable\n');
  });
  req.pipe(upstream);
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
}
