import type { FastifyRequest } from 'fastify';
import { ApiError, RenderedBody } from '../core/http/index.js';

/**
 * Glance answers errors the way webob does: HTML unless the client prefers JSON, in
 * which case `{"message", "code": "404 Not Found", "title"}`. glanceclient reads the
 * HTML form (it sends no Accept header); openstacksdk asks for JSON.
 */
export function renderGlanceError(error: ApiError, _requestId: string, request: FastifyRequest): RenderedBody {
  const status = `${error.status} ${error.title}`;
  if (prefersJson(request.headers.accept)) {
    return new RenderedBody('application/json', JSON.stringify({ message: error.message, code: status, title: error.title }));
  }
  const html = `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${escapeHtml(error.message)}<br /><br />\n\n\n\n </body>\n</html>`;
  return new RenderedBody('text/html; charset=UTF-8', html);
}

/** webob's choice between text/html and application/json for the Accept header given. */
function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  let best: { type: string; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const offered = type === 'application/json' ? 'json' : type === 'text/html' || type === 'text/*' || type === '*/*' ? 'html' : undefined;
    if (!offered || Number.isNaN(q) || q <= 0) continue;
    if (!best || q > best.q) best = { type: offered, q };
  }
  return best?.type === 'json';
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
