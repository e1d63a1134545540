// The error hierarchy: one base with a stable code, one subclass per code.

/** The stable code of each DaffiError subclass (`error.code`). */
export type ErrorCode =
  | "REMOTE"
  | "VALIDATION"
  | "CALLBACK_NOT_FOUND"
  | "TIMEOUT"
  | "NODE_DISCONNECTED"
  | "TRANSFER_NOT_ALLOWED"
  | "STOPPED"
  | "CANCELLED"
  | "TASK_NOT_FOUND"
  | "PAYLOAD_TOO_LARGE"
  | "PROCESS_NAME_IN_USE"
  | "PROTOCOL"
  | "CONFIGURATION"
  | "PERMISSION_DENIED"
  | "OVERLOADED"
  | "CONTRACT_MISMATCH";

/** The outcome code of a failure, for logs and metrics: a DaffiError's code, else "REMOTE" (anything a callback threw). */
export function codeOf(error: unknown): ErrorCode {
  return error instanceof DaffiError ? error.code : "REMOTE";
}

/** The base of every error daffi throws: `code` tells which (README: Errors); errors from another process are rebuilt as the same class. */
export class DaffiError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The remote callback threw. Carries the remote error's name, message and stack. */
export class RemoteError extends DaffiError {
  /** Name of the error class thrown remotely (e.g. "TypeError"). */
  readonly remoteName: string;
  readonly remoteStack?: string;
  /** Process whose callback threw. */
  readonly processName: string;
  constructor(message: string, details: { remoteName: string; remoteStack?: string; processName: string }) {
    super("REMOTE", message);
    this.remoteName = details.remoteName;
    this.remoteStack = details.remoteStack;
    this.processName = details.processName;
  }
}

/** Arguments or a result do not match the declared types. */
export class ValidationError extends DaffiError {
  readonly path: string;
  readonly expected: string;
  readonly value: unknown;
  constructor(message: string, details: { path: string; expected: string; value: unknown }) {
    super("VALIDATION", message);
    this.path = details.path;
    this.expected = details.expected;
    this.value = details.value;
  }
}

/** No connected node has a callback of that name (raised at once, not after a timeout). */
export class CallbackNotFoundError extends DaffiError {
  constructor(message: string) {
    super("CALLBACK_NOT_FOUND", message);
  }
}

/** A `timeout` ran out (`fg`, `bg`, `get`, `waitProcess`, `waitFunction`, `connectTimeout`). */
export class TimeoutError extends DaffiError {
  constructor(message: string) {
    super("TIMEOUT", message);
  }
}

/** The node running the call (or the controller between us) went away before answering. */
export class NodeDisconnectedError extends DaffiError {
  constructor(message: string) {
    super("NODE_DISCONNECTED", message);
  }
}

/** `transferAndCall` to a process that did not start with `allowTransfer: true`. */
export class TransferNotAllowedError extends DaffiError {
  constructor(message: string) {
    super("TRANSFER_NOT_ALLOWED", message);
  }
}

/** The Global was stopped: pending and new calls fail with this. */
export class StoppedError extends DaffiError {
  constructor(message: string) {
    super("STOPPED", message);
  }
}

/** The caller cancelled the call (AsyncResult.cancel()). */
export class CancelledError extends DaffiError {
  constructor(message: string) {
    super("CANCELLED", message);
  }
}

/** The process has no scheduled task with that id (it finished, was cancelled, or the process restarted). */
export class ScheduledTaskNotFoundError extends DaffiError {
  constructor(message: string) {
    super("TASK_NOT_FOUND", message);
  }
}

/** Arguments, a result or a stream item encode to more bytes than maxMessageSize allows. */
export class PayloadTooLargeError extends DaffiError {
  constructor(message: string) {
    super("PAYLOAD_TOO_LARGE", message);
  }
}

/** Another connected node already uses this process name. */
export class ProcessNameInUseError extends DaffiError {
  constructor(message: string) {
    super("PROCESS_NAME_IN_USE", message);
  }
}

/** The peer broke the protocol (bad frame, bad payload). */
export class ProtocolError extends DaffiError {
  constructor(message: string) {
    super("PROTOCOL", message);
  }
}

/** Options or arguments given to daffi itself are wrong. */
export class ConfigurationError extends DaffiError {
  constructor(message: string) {
    super("CONFIGURATION", message);
  }
}

/** The controller's `auth` does not let this process connect, use this name, serve or call that callback. */
export class PermissionDeniedError extends DaffiError {
  constructor(message: string) {
    super("PERMISSION_DENIED", message);
  }
}

/** A bound was reached (the controller's queue for a node, a node's concurrent calls, a caller's calls in flight): the call was not run. */
export class OverloadedError extends DaffiError {
  constructor(message: string) {
    super("OVERLOADED", message);
  }
}

/**
 * The callback's signature, as its process announced it, does not serve what the fetcher was compiled
 * against (one side deployed before the other): the call was not sent.
 */
export class ContractMismatchError extends DaffiError {
  /** Raised by the controller: the providers changed since the caller checked them (the caller tries again once it knows them). */
  readonly stale: boolean;
  constructor(message: string, options: { stale?: boolean } = {}) {
    super("CONTRACT_MISMATCH", message);
    this.stale = options.stale === true;
  }
}
