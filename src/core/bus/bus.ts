/**
 * The RPC bus between API, conductor, scheduler and agents, shaped like oslo.messaging
 * so a RabbitMQ transport can implement it unchanged:
 * - a server listens on a topic, optionally as a named server (`compute` on `host1`);
 * - a message to a topic goes to ONE of its servers (competing consumers, round robin);
 *   to topic + server only to that server; a fanout to EVERY server on the topic;
 * - cast is fire-and-forget, call waits for one reply or times out;
 * - everything crossing the bus is JSON (see json.ts); handlers receive parsed data
 *   and must validate it, since the other side may run another version.
 */
import type { JsonObject } from './json.js';


/** Where a message goes. `server` narrows a topic to one named server (a host). */
export interface Target {
  readonly topic: string;
  readonly server?: string;
}

/** Arguments and request context as the caller passes them; checked and JSON-encoded on send. */
export type MessageArgs = Readonly<Record<string, unknown>>;

export interface SendOptions {
  /**
   * The request context (request id, user, project, roles...) handed to the handler
   * as `ctx.context`, as oslo.messaging sends its RequestContext. Defaults to {}.
   */
  readonly context?: MessageArgs;
}

export interface CallOptions extends SendOptions {
  /** How long to wait for the reply; defaults to the bus's default (oslo: rpc_response_timeout). */
  readonly timeoutMs?: number;
}

/** What a handler learns about the message it is handling. */
export interface MessageContext {
  readonly kind: 'cast' | 'call' | 'fanout';
  readonly messageId: string;
  readonly method: string;
  /** The target as the sender addressed it (server absent for topic-wide messages). */
  readonly target: Target;
  /** The server name of the subscription handling it, if it has one. */
  readonly server: string | undefined;
  /** The sender's request context, as JSON data. */
  readonly context: JsonObject;
}

/**
 * Handles one method. `args` is what arrived, after JSON decoding. A returned value is
 * the call's reply (it must be JSON-serialisable; ignored for cast and fanout); a thrown
 * error reaches a caller as RemoteError carrying its name, message and string `code`.
 */
export type Handler = (args: JsonObject, ctx: MessageContext) => Promise<unknown>;

/** Methods a server exposes, by name. Only own properties count as methods. */
export type Endpoint = Readonly<Record<string, Handler>>;

/** A running server; close() stops taking messages and waits for the ones in flight. */
export interface Subscription {
  close(): Promise<void>;
}

export interface MessageBus {
  /**
   * Sends without waiting for any handler. Resolves once the message is handed to the
   * transport, not when it is handled; a message for a topic no server ever listened
   * on is dropped. Rejects with BusSerializationError (args not JSON data) or
   * BusClosedError.
   */
  cast(target: Target, method: string, args: MessageArgs, options?: SendOptions): Promise<void>;

  /**
   * Sends to one server and resolves with its handler's result after JSON decoding.
   * `T` is the caller's claim, not checked. Rejects with RemoteError (handler threw),
   * NoSuchMethodError, BusTimeoutError (no reply in time, including when nobody
   * listens), BusSerializationError or BusClosedError.
   */
  call<T>(target: Target, method: string, args: MessageArgs, options?: CallOptions): Promise<T>;

  /** Sends to every server currently listening on `topic`; otherwise as cast. */
  fanout(topic: string, method: string, args: MessageArgs, options?: SendOptions): Promise<void>;

  /**
   * Starts a server for `target`: it receives messages for `target.topic` (shared with
   * the topic's other servers), for `target.topic` + `target.server` when a server is
   * named, and every fanout to the topic. Resolves once it is listening.
   */
  serve(target: Target, endpoint: Endpoint): Promise<Subscription>;

  /**
   * Closes every subscription (waiting for in-flight handlers), fails pending calls
   * with BusClosedError and releases all timers. Idempotent; later sends reject.
   */
  close(): Promise<void>;
}
