import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';

/** An event QEMU sent on its own (STOP, RESUME, SHUTDOWN, DEVICE_DELETED, MIGRATION...). */
export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

/** A command QEMU refused: its error class (GenericError, DeviceNotFound...) and description. */
export class QmpError extends Error {
  constructor(readonly command: string, readonly errorClass: string, readonly desc: string) {
    super(`QMP ${command}: ${errorClass}: ${desc}`);
    this.name = 'QmpError';
  }
}

/** What the QMP commands the driver uses answer; anything else is `unknown`. */
export interface QmpReplies {
  'query-status': { status: string; running: boolean };
  'query-vnc': { enabled: boolean; host?: string; service?: string; family?: string };
  'query-migrate': {
    status?: string; 'total-time'?: number; downtime?: number; 'error-desc'?: string;
    ram?: { transferred: number; remaining: number; total: number; 'dirty-sync-count': number };
  };
  'query-block': Array<{ device: string; qdev?: string; inserted?: { file: string; image: { 'virtual-size': number } } }>;
  'query-blockstats': Array<{ device: string; qdev?: string; stats: { rd_bytes: number; wr_bytes: number; rd_operations: number; wr_operations: number } }>;
  'query-cpus-fast': Array<{ 'cpu-index': number; 'thread-id': number }>;
  'query-balloon': { actual: number };
  'human-monitor-command': string;
}

type Reply<C extends string> = C extends keyof QmpReplies ? QmpReplies[C] : unknown;

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * A QMP (QEMU Machine Protocol) client over the instance's unix socket: capabilities
 * negotiated on connect, commands answered in order (QMP replies in order, so a queue
 * of pending promises pairs them), events emitted as 'event'. The driver never talks
 * to the human monitor except through `human-monitor-command` where QMP has no verb.
 */
export class QmpClient extends EventEmitter {
  private buffer = '';
  private readonly pending: Pending[] = [];
  private closed = false;
  /** QEMU's version from the greeting. */
  version: { major: number; minor: number; micro: number } | null = null;

  private constructor(private readonly socket: Socket) {
    super();
  }

  /** Connects and negotiates capabilities; rejects when the socket is not there or QEMU does not answer in time. */
  static connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      const client = new QmpClient(socket);
      const timer = setTimeout(() => { socket.destroy(); reject(new Error(`QMP ${path}: no greeting in ${timeoutMs} ms`)); }, timeoutMs);
      let ready = false;
      socket.on('error', (e) => {
        clearTimeout(timer);
        if (!ready) reject(e);
      });
      socket.on('close', () => client.onClose());
      socket.on('data', (chunk) => client.onData(chunk.toString('utf8'), (greeting) => {
        client.version = (greeting['version'] as { qemu?: QmpClient['version'] } | undefined)?.qemu ?? null;
        client.execute('qmp_capabilities').then(() => {
          clearTimeout(timer);
          ready = true;
          resolve(client);
        }, (e: Error) => { clearTimeout(timer); socket.destroy(); reject(e); });
      }));
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  execute<C extends string>(command: C, args?: Record<string, unknown>): Promise<Reply<C>> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error(`QMP ${command}: the monitor is closed (QEMU exited)`));
        return;
      }
      this.pending.push({ command, resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    });
  }

  /** The next event named `name` whose data matches; rejects after `timeoutMs` or when QEMU goes away. */
  waitEvent(name: string, timeoutMs: number, match: (data: Record<string, unknown>) => boolean = () => true): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.off('close', onClose);
      };
      const onEvent = (e: QmpEvent): void => {
        if (e.event === name && match(e.data)) { done(); resolve(e); }
      };
      const onClose = (): void => { done(); reject(new Error(`QMP closed while waiting for ${name}`)); };
      const timer = setTimeout(() => { done(); reject(new Error(`no ${name} event in ${timeoutMs} ms`)); }, timeoutMs);
      this.on('event', onEvent);
      this.once('close', onClose);
    });
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private onData(text: string, onGreeting: (greeting: Record<string, unknown>) => void): void {
    this.buffer += text;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.onMessage(JSON.parse(line) as Record<string, unknown>, onGreeting);
    }
  }

  private onMessage(msg: Record<string, unknown>, onGreeting: (greeting: Record<string, unknown>) => void): void {
    if (msg['QMP']) return onGreeting(msg['QMP'] as Record<string, unknown>);
    if (typeof msg['event'] === 'string') {
      this.emit('event', { event: msg['event'], data: (msg['data'] as Record<string, unknown> | undefined) ?? {}, timestamp: msg['timestamp'] } as QmpEvent);
      return;
    }
    const waiting = this.pending.shift();
    if (!waiting) return;
    const error = msg['error'] as { class?: string; desc?: string } | undefined;
    if (error) waiting.reject(new QmpError(waiting.command, error.class ?? 'GenericError', error.desc ?? ''));
    else waiting.resolve(msg['return']);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.splice(0)) p.reject(new Error(`QMP ${p.command}: the monitor closed (QEMU exited)`));
    this.emit('close');
  }
}
