import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, sep } from 'node:path';
import { CONSOLE_PAGE } from './page.js';

/** Names the console page answers to: Nova's default URL (vnc_auto.html), noVNC 1.x's lite page and its full page's name. */
export const PAGE_NAMES: readonly string[] = ['/vnc_auto.html', '/vnc_lite.html', '/vnc.html'];

/** Folders of the noVNC package the page loads its modules from; nothing else there is served. */
const SERVED_FOLDERS = ['core', 'vendor'];

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
};

/** The installed @novnc/novnc package's folder (its one export is core/rfb.js), read where it was installed: nothing is fetched at run time. */
export function noVncRoot(): string {
  const rfb = createRequire(import.meta.url).resolve('@novnc/novnc');
  return dirname(dirname(rfb));
}

/**
 * Answers a plain HTTP request to the proxy: the console page under its names, and the
 * noVNC modules under /core and /vendor. Only GET and HEAD; paths that leave the
 * package's folders name nothing.
 */
export function serveStatic(root: string, request: IncomingMessage, response: ServerResponse): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(response, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
  const path = decodedPath(request.url);
  if (path === '/') return plain(response, 302, 'Found', { Location: 'vnc.html' });
  if (path !== undefined && PAGE_NAMES.includes(path)) {
    response.writeHead(200, { 'Content-Type': TYPES['.html']!, 'Content-Length': Buffer.byteLength(CONSOLE_PAGE), 'Cache-Control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : CONSOLE_PAGE);
    return;
  }
  const file = path === undefined ? undefined : fileOf(root, path);
  const size = file === undefined ? undefined : fileSize(file);
  if (file === undefined || size === undefined) return plain(response, 404, 'Not Found');
  response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': size, 'Cache-Control': 'no-cache' });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(file).on('error', () => response.destroy()).pipe(response);
}

/** The path of a request URL with percent-escapes undone; undefined when undecodable. */
function decodedPath(url: string | undefined): string | undefined {
  try {
    return decodeURIComponent((url ?? '/').split('?')[0]!);
  } catch {
    return undefined;
  }
}

/** The package file a path names, when it lies inside one of the served folders. */
function fileOf(root: string, path: string): string | undefined {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.' || s.includes('\\') || s.includes('\0'))) return undefined;
  if (!SERVED_FOLDERS.includes(segments[0] ?? '')) return undefined;
  const file = join(root, ...segments);
  return file.startsWith(root + sep) ? file : undefined;
}

function fileSize(file: string): number | undefined {
  try {
    const st = statSync(file);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

function plain(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}
