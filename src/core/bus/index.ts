/** The RPC message bus (oslo.messaging-style): interface, errors and the in-process transport. */
export type {
  CallOptions,
  Endpoint,
  Handler,
  MessageArgs,
  MessageBus,
  MessageContext,
  SendOptions,
  Subscription,
  Target,
} from './bus.js';
export {
  BusClosedError,
  BusError,
  BusSerializationError,
  BusTimeoutError,
  NoSuchMethodError,
  RemoteError,
  type RemoteFailure,
} from './errors.js';
export { toJson, type JsonObject, type JsonValue } from './json.js';
export { InProcessBus, type InProcessBusOptions } from './in-process.js';
export { describeFailure, dispatch, type Dispatched, type ReplyMessage, type RequestMessage } from './wire.js';
export { textArg } from './args.js';
