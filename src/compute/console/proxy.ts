import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../core/log.js';
import type { ComputeService } from '../service.js';
import { dialTcp, type Dial } from './dial.js';
import { pipeConsole } from './pipe.js';
import { noVncRoot, serveStatic } from './static-files.js';
import { refuse, upgradeConsole } from './upgrade.js';

export interface ConsoleProxyOptions {
  /** Address to listen on ([DEFAULT] bind_host). */
  host: string;
  /** Port to listen on (CONSOLE_PROXY_PORT + port offset); 0 picks a free one. */
  port: number;
  /** How consoles are reached (default TCP); tests point it at a fake VNC server. */
  dial?: Dial;
  /** Default: the compute service's logger. */
  log?: Logger;
}

export interface ConsoleProxy {
  /** The port it listens on. */
  readonly port: number;
  /** Closes the listener and every console connection, open or being admitted. */
  close(): Promise<void>;
}

/** Largest frame a browser may send; noVNC's are a few bytes (keys, pointer, clipboard). */
const MAX_CLIENT_FRAME = 4 << 20;

/**
 * Nova's nova-novncproxy: serves the console page with noVNC's modules from the
 * installed @novnc/novnc package, and joins each browser WebSocket that shows a live
 * console token to the guest's VNC server (see upgrade.ts for the checks, pipe.ts for
 * the bytes). Tokens are one-time here: the first connection uses one up.
 */
export async function startConsoleProxy(svc: ComputeService, options: ConsoleProxyOptions): Promise<ConsoleProxy> {
  const log = options.log ?? svc.log;
  const root = noVncRoot();
  const wss = new WebSocketServer({
    noServer: true, perMessageDeflate: false, maxPayload: MAX_CLIENT_FRAME,
    handleProtocols: (offered) => (offered.has('binary') ? 'binary' : false),
  });
  const admitting = new Set<Duplex>();
  const sessions = new Set<{ ws: WebSocket; guest: Duplex }>();
  let closing = false;

  const server: Server = createServer((request, response) => serveStatic(root, request, response));
  server.on('upgrade', (request, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    // The console proxy is stopping.
    if (closing) return refuse(socket, 503);
    admitting.add(socket);
    const opened = (ws: WebSocket, guest: Duplex, instanceUuid: string): void => {
      const session = { ws, guest };
      sessions.add(session);
      pipeConsole(ws, guest, (totals) => {
        sessions.delete(session);
        log.info({ instance_uuid: instanceUuid, bytes_to_client: totals.toClient, bytes_to_console: totals.toConsole }, 'console proxy: connection closed');
      });
    };
    upgradeConsole({ svc, wss, dial: options.dial ?? dialTcp, log, opened }, request, socket, head)
      .finally(() => admitting.delete(socket))
      .catch((err: unknown) => log.error({ err }, 'console proxy: upgrade failed'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close(): Promise<void> {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of admitting) socket.destroy();
      for (const { ws, guest } of sessions) {
        ws.terminate();
        guest.destroy();
      }
      server.closeAllConnections();
      wss.close();
      await closed;
    },
  };
}
