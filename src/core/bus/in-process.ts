/**
 * The bus inside one process (all-in-one deployments and tests). It behaves like the
 * RabbitMQ transport will, so code tested here does not change behaviour there:
 * - every request and reply is JSON text in between, so nothing non-serialisable passes;
 * - delivery happens on a later turn of the event loop, never inside the sender's stack;
 * - a topic queue (and a topic + server queue) comes into existence when the first
 *   server listens on it and then outlives its servers, buffering messages until one
 *   returns (oslo's durable, non-auto-delete topic queues); a message for a queue that
 *   never existed is dropped, as an unroutable message is;
 * - fanout queues belong to one server each and go away with it.
 */
import {
  BusClosedError,
  BusTimeoutError,
  remoteErrorFrom,
} from './errors.js';
import type { CallOptions, Endpoint, MessageArgs, MessageBus, SendOptions, Subscription, Target } from './bus.js';
import { toJson, type JsonObject } from './json.js';
import { dispatch, type ReplyMessage, type RequestMessage } from './wire.js';

export interface InProcessBusOptions {
  /** Call timeout when the caller gives none; oslo's rpc_response_timeout is 60 s. */
  defaultTimeoutMs?: number;
  /**
   * Told about every exception a handler throws (and calls of unknown methods), so
   * the process can log it: for cast and fanout nobody else ever sees it.
   */
  onHandlerError?: (error: unknown, request: Omit<RequestMessage, 'args' | 'context'>) => void;
}

interface Queue {
  readonly consumers: Consumer[];
  /** Request messages as JSON text, oldest first. */
  readonly pending: string[];
  /** Round-robin position among consumers. */
  next: number;
  scheduled: NodeJS.Immediate | undefined;
}

interface Consumer {
  readonly topic: string;
  readonly server: string | undefined;
  readonly endpoint: Endpoint;
  readonly queues: Queue[];
  /** This consumer's own fanout queue. */
  readonly fanout: Queue;
  readonly inflight: Set<Promise<void>>;
  closing: Promise<void> | undefined;
}

interface PendingCall {
  readonly timer: NodeJS.Timeout;
  settle(reply: ReplyMessage): void;
  fail(error: Error): void;
}

const newQueue = (): Queue => ({ consumers: [], pending: [], next: 0, scheduled: undefined });

// Structured key, so topic "a.b" + server "c" and topic "a" + server "b.c" stay apart.
const queueKey = (topic: string, server?: string): string => JSON.stringify([topic, server ?? null]);

export class InProcessBus implements MessageBus {
  private readonly defaultTimeoutMs: number;
  private readonly onHandlerError: NonNullable<InProcessBusOptions['onHandlerError']>;
  private readonly queues = new Map<string, Queue>();
  private readonly consumers = new Set<Consumer>();
  private readonly calls = new Map<string, PendingCall>();
  private sequence = 0;
  private closing: Promise<void> | undefined;

  constructor(options: InProcessBusOptions = {}) {
    this.defaultTimeoutMs = checkTimeout(options.defaultTimeoutMs ?? 60_000);
    this.onHandlerError = options.onHandlerError ?? (() => undefined);
  }

  async cast(target: Target, method: string, args: MessageArgs, options: SendOptions = {}): Promise<void> {
    this.route(this.request('cast', target, method, args, options));
  }

  async fanout(topic: string, method: string, args: MessageArgs, options: SendOptions = {}): Promise<void> {
    this.route(this.request('fanout', { topic }, method, args, options));
  }

  async call<T>(target: Target, method: string, args: MessageArgs, options: CallOptions = {}): Promise<T> {
    const timeoutMs = checkTimeout(options.timeoutMs ?? this.defaultTimeoutMs);
    const request = this.request('call', target, method, args, options);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(request.id);
        reject(new BusTimeoutError(target.topic, method, timeoutMs));
      }, timeoutMs);
      this.calls.set(request.id, {
        timer,
        // T is the caller's claim about the remote result (see MessageBus.call).
        settle: (reply) => (reply.ok ? resolve(reply.result as T) : reject(remoteErrorFrom(reply.failure))),
        fail: reject,
      });
      this.route(request);
    });
  }

  async serve(target: Target, endpoint: Endpoint): Promise<Subscription> {
    this.assertOpen();
    checkTarget(target);
    const queues = [this.declare(queueKey(target.topic))];
    if (target.server !== undefined) queues.push(this.declare(queueKey(target.topic, target.server)));
    const consumer: Consumer = {
      topic: target.topic,
      server: target.server,
      endpoint,
      queues,
      fanout: newQueue(),
      inflight: new Set(),
      closing: undefined,
    };
    consumer.fanout.consumers.push(consumer);
    this.consumers.add(consumer);
    for (const queue of queues) {
      queue.consumers.push(consumer);
      this.schedule(queue); // hand over anything buffered while no server listened
    }
    return { close: () => (consumer.closing ??= this.unsubscribe(consumer)) };
  }

  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    for (const call of this.calls.values()) {
      clearTimeout(call.timer);
      call.fail(new BusClosedError());
    }
    this.calls.clear();
    for (const queue of this.queues.values()) clearImmediate(queue.scheduled);
    this.queues.clear();
    await Promise.all([...this.consumers].map((c) => (c.closing ??= this.unsubscribe(c))));
  }

  /** Stops delivering to the consumer, then waits for the handlers it is running. */
  private async unsubscribe(consumer: Consumer): Promise<void> {
    for (const queue of consumer.queues) {
      const at = queue.consumers.indexOf(consumer);
      if (at >= 0) queue.consumers.splice(at, 1);
    }
    clearImmediate(consumer.fanout.scheduled);
    consumer.fanout.pending.length = 0;
    this.consumers.delete(consumer);
    await Promise.allSettled([...consumer.inflight]);
  }

  /** Builds the request, checking that args and context are JSON data (throws otherwise). */
  private request(kind: RequestMessage['kind'], target: Target, method: string, args: MessageArgs, options: SendOptions): RequestMessage {
    this.assertOpen();
    checkTarget(target);
    return {
      id: `msg-${++this.sequence}`,
      kind,
      target: target.server === undefined ? { topic: target.topic } : { topic: target.topic, server: target.server },
      method,
      args: toJsonObject(args, 'args'),
      context: toJsonObject(options.context ?? {}, 'context'),
    };
  }

  private route(request: RequestMessage): void {
    const text = JSON.stringify(request);
    if (request.kind === 'fanout') {
      for (const consumer of this.consumers) if (consumer.topic === request.target.topic) this.enqueue(consumer.fanout, text);
      return;
    }
    const queue = this.queues.get(queueKey(request.target.topic, request.target.server));
    if (queue !== undefined) this.enqueue(queue, text);
  }

  private declare(key: string): Queue {
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = newQueue();
      this.queues.set(key, queue);
    }
    return queue;
  }

  private enqueue(queue: Queue, text: string): void {
    queue.pending.push(text);
    this.schedule(queue);
  }

  private schedule(queue: Queue): void {
    if (queue.scheduled !== undefined || queue.pending.length === 0 || queue.consumers.length === 0) return;
    queue.scheduled = setImmediate(() => {
      queue.scheduled = undefined;
      this.drain(queue);
    });
  }

  private drain(queue: Queue): void {
    while (queue.pending.length > 0 && queue.consumers.length > 0) {
      const consumer = queue.consumers[queue.next % queue.consumers.length];
      const text = queue.pending.shift();
      if (consumer === undefined || text === undefined) return;
      queue.next = (queue.next + 1) % queue.consumers.length;
      this.deliver(consumer, text);
    }
  }

  private deliver(consumer: Consumer, text: string): void {
    const request = JSON.parse(text) as RequestMessage; // encoded by request() above
    const task = dispatch(consumer.endpoint, request, consumer.server).then(({ reply, error }) => {
      if (error !== undefined) this.report(error, request);
      if (request.kind === 'call') this.reply(JSON.stringify(reply));
    });
    consumer.inflight.add(task);
    void task.finally(() => consumer.inflight.delete(task));
  }

  private reply(text: string): void {
    const reply = JSON.parse(text) as ReplyMessage; // encoded by deliver() above
    const pending = this.calls.get(reply.id);
    if (pending === undefined) return; // the caller timed out or the bus closed; drop it
    this.calls.delete(reply.id);
    clearTimeout(pending.timer);
    pending.settle(reply);
  }

  private report(error: unknown, request: RequestMessage): void {
    try {
      this.onHandlerError(error, { id: request.id, kind: request.kind, target: request.target, method: request.method });
    } catch {
      // A failing error hook must not break delivery of other messages.
    }
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new BusClosedError();
  }
}

function toJsonObject(value: MessageArgs, path: string): JsonObject {
  const json = toJson(value, path);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TypeError(`${path} must be a plain object`);
  }
  return json;
}

function checkTarget(target: Target): void {
  if (typeof target.topic !== 'string' || target.topic === '') throw new TypeError('target.topic must be a non-empty string');
  if (target.server !== undefined && (typeof target.server !== 'string' || target.server === '')) {
    throw new TypeError('target.server must be a non-empty string when given');
  }
}

function checkTimeout(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`timeoutMs must be a positive number, got ${ms}`);
  return ms;
}
