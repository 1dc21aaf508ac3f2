import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

/** Where a token's console listens (the host's VNC server for the guest). */
export interface ConsoleTarget {
  host: string;
  port: number;
}

/** Opens a byte stream to a console; rejects when it cannot be reached. Tests swap in their own. */
export type Dial = (target: ConsoleTarget) => Promise<Duplex>;

const CONNECT_TIMEOUT_MS = 10_000;

/** TCP to the console, with a connect timeout and Nagle off (keystrokes go out at once). */
export const dialTcp: Dial = ({ host, port }) => new Promise((resolve, reject) => {
  const socket = connect({ host, port });
  const fail = (err: Error): void => {
    socket.destroy();
    reject(err);
  };
  socket.setTimeout(CONNECT_TIMEOUT_MS, () => fail(new Error(`timed out connecting to ${host}:${port}`)));
  socket.once('error', fail);
  socket.once('connect', () => {
    socket.setTimeout(0);
    socket.off('error', fail);
    // Errors before the pipe takes the socket over end in its close; they must not be thrown.
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    resolve(socket);
  });
});
