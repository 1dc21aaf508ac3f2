/**
 * The messages as they travel, independent of transport; a RabbitMQ transport would
 * put these JSON bodies on its queues. dispatch() is the serving side every transport
 * shares: find the method, run it, turn the outcome into a reply.
 */
import type { Endpoint, MessageContext, Target } from './bus.js';
import { NoSuchMethodError, type RemoteFailure } from './errors.js';
import { toJson, type JsonObject, type JsonValue } from './json.js';

export interface RequestMessage {
  readonly id: string;
  readonly kind: MessageContext['kind'];
  readonly target: Target;
  readonly method: string;
  readonly args: JsonObject;
  readonly context: JsonObject;
}

/** The answer to a call, matched to it by `id`. */
export type ReplyMessage =
  | { readonly id: string; readonly ok: true; readonly result?: JsonValue }
  | { readonly id: string; readonly ok: false; readonly failure: RemoteFailure };

export interface Dispatched {
  readonly reply: ReplyMessage;
  /** The handler's own exception, for the server's log; absent on success. */
  readonly error?: unknown;
}

/** Runs the request's method on `endpoint`. Never throws: failures become the reply. */
export async function dispatch(endpoint: Endpoint, request: RequestMessage, server: string | undefined): Promise<Dispatched> {
  // hasOwn: "constructor" or "toString" must not reach Object.prototype.
  const handler = Object.hasOwn(endpoint, request.method) ? endpoint[request.method] : undefined;
  if (handler === undefined) {
    const failure = NoSuchMethodError.failure(request.method, request.target.topic);
    return { reply: { id: request.id, ok: false, failure }, error: new NoSuchMethodError(failure) };
  }
  const ctx: MessageContext = {
    kind: request.kind,
    messageId: request.id,
    method: request.method,
    target: request.target,
    server,
    context: request.context,
  };
  try {
    const result = await handler(request.args, ctx);
    // Checked here, inside the try, so an unsendable result becomes the caller's RemoteError.
    // A void handler's undefined result is left out and arrives as undefined, as over JSON.
    return { reply: { id: request.id, ok: true, result: toJson(result, 'result') } };
  } catch (error) {
    return { reply: { id: request.id, ok: false, failure: describeFailure(error) }, error };
  }
}

/** Only name, message and a string code cross: stacks and fields stay in the server's log. */
export function describeFailure(error: unknown): RemoteFailure {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
}
