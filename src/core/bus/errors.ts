/**
 * Errors the bus raises at the caller. A handler's own exception never crosses the bus
 * as itself (only plain data does): it arrives as a RemoteError naming the remote
 * exception, as oslo.messaging's RemoteError does.
 */
export class BusError extends Error {
  override readonly name: string = 'BusError';
}

/** No reply arrived within the call's timeout; the request may or may not have run. */
export class BusTimeoutError extends BusError {
  override readonly name: string = 'BusTimeoutError';
  readonly topic: string;
  readonly method: string;
  readonly timeoutMs: number;

  constructor(topic: string, method: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for a reply to ${method} on ${topic}`);
    this.topic = topic;
    this.method = method;
    this.timeoutMs = timeoutMs;
  }
}

/** The bus (or the subscription) was closed; pending calls fail with this too. */
export class BusClosedError extends BusError {
  override readonly name: string = 'BusClosedError';
  constructor() {
    super('the message bus is closed');
  }
}

/** A message, argument or result holds something that is not plain JSON data. */
export class BusSerializationError extends BusError {
  override readonly name: string = 'BusSerializationError';
}

/** What crosses the bus when a handler fails. */
export interface RemoteFailure {
  /** The remote exception's name, e.g. "InstanceNotFound". */
  readonly name: string;
  readonly message: string;
  /** The remote exception's stable `code`, when it has a string one. */
  readonly code?: string;
}

/** A handler on the serving side threw; carries that exception's name, message and code. */
export class RemoteError extends BusError {
  override readonly name: string = 'RemoteError';
  readonly remoteName: string;
  readonly remoteMessage: string;
  readonly remoteCode: string | undefined;

  constructor(failure: RemoteFailure) {
    super(`remote ${failure.name}: ${failure.message}`);
    this.remoteName = failure.name;
    this.remoteMessage = failure.message;
    this.remoteCode = failure.code;
  }
}

/** The serving endpoint has no such method. A RemoteError, since the server decided it. */
export class NoSuchMethodError extends RemoteError {
  override readonly name: string = 'NoSuchMethodError';
  static readonly remoteName = 'NoSuchMethodError';

  /** `method` and `topic` for the server side; the caller rebuilds it from the failure. */
  static failure(method: string, topic: string): RemoteFailure {
    return { name: NoSuchMethodError.remoteName, message: `endpoint for ${topic} has no method ${JSON.stringify(method)}` };
  }
}

/** The caller's exception for a remote failure: NoSuchMethodError when that is what it was. */
export function remoteErrorFrom(failure: RemoteFailure): RemoteError {
  return failure.name === NoSuchMethodError.remoteName ? new NoSuchMethodError(failure) : new RemoteError(failure);
}
