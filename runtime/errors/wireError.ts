// Errors cross the wire as { code, name, message, stack, data } and are rebuilt here as the same class.
import {
  CallbackNotFoundError,
  CancelledError,
  ConfigurationError,
  DaffiError,
  type ErrorCode,
  NodeDisconnectedError,
  PayloadTooLargeError,
  ProcessNameInUseError,
  ProtocolError,
  RemoteError,
  ScheduledTaskNotFoundError,
  StoppedError,
  TimeoutError,
  TransferNotAllowedError,
  ValidationError,
} from "./DaffiError";

export interface WireError {
  code: ErrorCode;
  name: string;
  message: string;
  stack?: string;
  data?: Record<string, unknown>;
}

/**
 * What a node sends back when a call fails. Errors raised by daffi itself for this call
 * keep their code; anything the user's callback threw becomes code REMOTE.
 */
export function toWireError(error: unknown, raisedByDaffi = false): WireError {
  if (raisedByDaffi && error instanceof DaffiError) {
    const data = error instanceof ValidationError ? { path: error.path, expected: error.expected, value: error.value } : undefined;
    return { code: error.code, name: error.name, message: error.message, data };
  }
  if (error instanceof Error) {
    return { code: "REMOTE", name: error.name, message: error.message, stack: error.stack };
  }
  return { code: "REMOTE", name: typeof error, message: String(error) };
}

/** Rebuilds the error on the caller's side; `processName` is the process that raised it. */
export function fromWireError(wire: WireError, processName: string): DaffiError {
  const message = typeof wire?.message === "string" ? wire.message : "unknown remote error";
  const data = wire?.data ?? {};
  switch (wire?.code) {
    case "REMOTE":
      return new RemoteError(message, { remoteName: String(wire.name ?? "Error"), remoteStack: wire.stack, processName });
    case "VALIDATION":
      return new ValidationError(message, { path: String(data.path ?? "$input"), expected: String(data.expected ?? "unknown"), value: data.value });
    case "CALLBACK_NOT_FOUND":
      return new CallbackNotFoundError(message);
    case "TIMEOUT":
      return new TimeoutError(message);
    case "NODE_DISCONNECTED":
      return new NodeDisconnectedError(message);
    case "TRANSFER_NOT_ALLOWED":
      return new TransferNotAllowedError(message);
    case "STOPPED":
      return new StoppedError(message);
    case "CANCELLED":
      return new CancelledError(message);
    case "PAYLOAD_TOO_LARGE":
      return new PayloadTooLargeError(message);
    case "TASK_NOT_FOUND":
      return new ScheduledTaskNotFoundError(message);
    case "PROCESS_NAME_IN_USE":
      return new ProcessNameInUseError(message);
    case "CONFIGURATION":
      return new ConfigurationError(message);
    default:
      return new ProtocolError(`malformed error from '${processName}': ${message}`);
  }
}
