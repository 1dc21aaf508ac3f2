import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';

/** Bytes queued towards the browser before the guest's side is paused. */
const HIGH_WATER = 1 << 20;

export interface PipeTotals {
  /** Bytes from the guest's console to the browser. */
  toClient: number;
  /** Bytes from the browser to the guest's console. */
  toConsole: number;
}

const asBuffer = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

/**
 * Carries bytes both ways between a browser's WebSocket and the guest's console (TCP)
 * until either side goes: console bytes go out as binary frames; frames from the browser
 * (binary, or text as websockify also takes) go to the console as they are. When the
 * console closes, the WebSocket is closed (1000, or 1011 after an error) once what is
 * queued is sent; when the WebSocket closes, the console gets what is queued and then
 * its connection ends. Each side pauses while the other is full. `onClose` runs once,
 * when both are done.
 */
export function pipeConsole(ws: WebSocket, guest: Duplex, onClose: (totals: PipeTotals) => void): void {
  const totals: PipeTotals = { toClient: 0, toConsole: 0 };
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) onClose(totals);
  };

  guest.on('data', (chunk: Buffer) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    totals.toClient += chunk.length;
    ws.send(chunk, { binary: true }, () => {
      if (guest.isPaused() && ws.bufferedAmount < HIGH_WATER) guest.resume();
    });
    if (ws.bufferedAmount >= HIGH_WATER) guest.pause();
  });
  ws.on('message', (data: RawData) => {
    if (guest.destroyed || guest.writableEnded) return;
    const bytes = asBuffer(data);
    totals.toConsole += bytes.length;
    if (!guest.write(bytes)) {
      ws.pause();
      guest.once('drain', () => ws.resume());
    }
  });

  let guestFailed = false;
  guest.on('error', () => { guestFailed = true; });
  guest.once('close', () => {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(guestFailed ? 1011 : 1000);
    done();
  });
  // `error` is always followed by `close` in ws; listening keeps it from being thrown.
  ws.on('error', () => undefined);
  ws.once('close', () => {
    if (!guest.destroyed) guest.end(() => guest.destroy());
    // A console that never finishes taking the last bytes is cut off.
    setTimeout(() => guest.destroy(), 5_000).unref();
    done();
  });
}
