import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../core/log.js';
import { consoleOfToken, consumeConsoleToken } from '../domain/consoles.js';
import type { ComputeService } from '../service.js';
import { isWebSocketHandshake, originRefusal, subprotocolOf, tokenOf } from './admission.js';
import type { Dial } from './dial.js';

export interface UpgradeContext {
  svc: ComputeService;
  wss: WebSocketServer;
  dial: Dial;
  log: Logger;
  /** Takes over an accepted connection and the guest console it was joined to. */
  opened(ws: WebSocket, guest: Duplex, instanceUuid: string): void;
}

/** A handshake turned away before the upgrade, with the HTTP status it gets. */
class Refusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * A console WebSocket handshake, decided before the upgrade so a refusal is a plain 4xx
 * (Nova's proxy closes the socket after its handshake instead; browsers see a failed
 * connection either way). In order: a well-formed handshake offering `binary` if any
 * subprotocol (400), a live noVNC token (401), an acceptable Origin (403), the guest's
 * console answering (502), and only then the token is used up (401 when another
 * connection used it first) and the connection upgraded and joined to the console.
 */
export async function upgradeConsole(ctx: UpgradeContext, request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  let guest: Duplex | undefined;
  try {
    if (!isWebSocketHandshake(request.method, request.headers)) throw new Refusal(400, 'Not a WebSocket handshake.');
    const protocol = subprotocolOf(request.headers['sec-websocket-protocol']);
    if ('refusal' in protocol) throw new Refusal(400, protocol.refusal);
    const token = tokenOf(request.url, request.headers.cookie);
    const target = token === undefined ? undefined : await consoleOfToken(ctx.svc, token);
    if (token === undefined || !target || target.consoleType !== 'novnc') throw new Refusal(401, 'The token is invalid or has expired.');
    const badOrigin = originRefusal(request.headers.origin, request.headers.host, target.accessUrlBase);
    if (badOrigin) throw new Refusal(403, badOrigin);
    guest = await ctx.dial({ host: target.host, port: target.port }).catch((err: unknown) => {
      ctx.log.warn({ err, instance_uuid: target.instanceUuid, host: target.host, port: target.port }, 'console proxy: the guest console did not answer');
      throw new Refusal(502, 'The console of the instance cannot be reached.');
    });
    // A client gone while we waited keeps its token for another try.
    if (socket.destroyed) throw new Refusal(400, 'The client went away.');
    if (!(await consumeConsoleToken(ctx.svc, token))) throw new Refusal(401, 'The token is invalid or has expired.');
    if (!socket.readable || !socket.writable) throw new Refusal(400, 'The client went away.');
    const joined = guest;
    guest = undefined;
    ctx.wss.handleUpgrade(request, socket, head, (ws) => ctx.opened(ws, joined, target.instanceUuid));
    ctx.log.info({ instance_uuid: target.instanceUuid, remote: request.socket.remoteAddress }, 'console proxy: connection opened');
  } catch (err) {
    guest?.destroy();
    if (err instanceof Refusal) {
      ctx.log.info({ status: err.status, reason: err.message, remote: request.socket.remoteAddress }, 'console proxy: connection refused');
      refuse(socket, err.status);
    } else {
      ctx.log.error({ err }, 'console proxy: handshake failed');
      refuse(socket, 500);
    }
  }
}

/**
 * Answers a handshake with a plain HTTP error, no body, and closes the connection. No
 * body because a WebSocket client reads whatever follows the response head as its first
 * frame: Tempest's test_novnc_bad_token (like Nova's proxy, which closes without a word)
 * expects the connection to end with nothing read. The reason is in the proxy's log.
 */
export function refuse(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    // The HTTP server lets sockets stay half open; this one is done once the answer is out.
    () => socket.destroy(),
  );
}
