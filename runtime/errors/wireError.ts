// Errors cross the wire as { code, name, message, stack, data } and are rebuilt here as the same class.
import {
  CallbackNotFoundError,
  CancelledError,
  ConfigurationError,
  DaffiError,
  type ErrorCode,
  NodeDisconnectedError,
  OverloadedError,
  PayloadTooLargeError,
  PermissionDeniedError,
  ContractMismatchError,
  ProcessNameInUseError,
  ProtocolError,
  RemoteError,
  ScheduledTaskNotFoundError,
  StoppedError,
  TimeoutError,
  TransferNotAllowedError,
  ValidationError,
} from "./DaffiError";

import { markNotStarted } from "./notStarted";

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

/** The errors that carry only a message, by code. */
const plain: Partial<Record<ErrorCode, new (message: string) => DaffiError>> = {
  CALLBACK_NOT_FOUND: CallbackNotFoundError,
  TIMEOUT: TimeoutError,
  NODE_DISCONNECTED: NodeDisconnectedError,
  TRANSFER_NOT_ALLOWED: TransferNotAllowedError,
  STOPPED: StoppedError,
  CANCELLED: CancelledError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  TASK_NOT_FOUND: ScheduledTaskNotFoundError,
  PROCESS_NAME_IN_USE: ProcessNameInUseError,
  CONFIGURATION: ConfigurationError,
  PROTOCOL: ProtocolError,
  PERMISSION_DENIED: PermissionDeniedError,
  OVERLOADED: OverloadedError,
};

/** Rebuilds the error on the caller's side; `processName` is the process that raised it. */
export function fromWireError(wire: WireError, processName: string): DaffiError {
  const message = typeof wire?.message === "string" ? wire.message : "unknown remote error";
  const data = wire?.data ?? {};
  if (wire?.code === "REMOTE") return new RemoteError(message, { remoteName: String(wire.name ?? "Error"), remoteStack: wire.stack, processName });
  if (wire?.code === "VALIDATION") {
    return new ValidationError(message, { path: String(data.path ?? "$input"), expected: String(data.expected ?? "unknown"), value: data.value });
  }
  // `stale` is the controller's word only: it sends it without a source (it names the executor of every answer it forwards).
  if (wire?.code === "CONTRACT_MISMATCH") return new ContractMismatchError(message, { stale: data.stale === true && processName === "" });
  const ErrorClass = Object.hasOwn(plain, wire?.code) ? plain[wire.code] : undefined;
  if (!ErrorClass) return new ProtocolError(`malformed error from '${processName}': ${message}`);
  // A refusal before the callback ran (README: Retries); the others may have run it.
  return data.notStarted === true ? markNotStarted(new ErrorClass(message), processName) : new ErrorClass(message);
}
