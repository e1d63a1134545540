// `currentCall()`: inside a callback, the call it runs for (README: Call context).
import { AsyncLocalStorage } from "node:async_hooks";
import type { CallScope } from "./CallScope";

/** The call a callback runs for, as `currentCall()` returns it. */
export interface CallContext {
  /** The callback's remote name. */
  readonly callback: string;
  /** The caller's process name. */
  readonly caller: string;
  /** The caller's identity, when the controller enforces auth (README: Security). */
  readonly identity: string | undefined;
  /** When the caller stops waiting (epoch ms); undefined when the call has no timeout. */
  readonly deadline: number | undefined;
  /** Aborts when the call ends without its answer being awaited: the reason says why (CancelledError, TimeoutError, NodeDisconnectedError, StoppedError). */
  readonly signal: AbortSignal;
  /** The caller's metadata. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** The scope of the call running, through every `await` of its callback. */
export const callStorage = new AsyncLocalStorage<CallScope>();

/** Inside a callback (sync or async, class or function), the call it runs for; undefined elsewhere. */
export function currentCall(): CallContext | undefined {
  return callStorage.getStore()?.context();
}

/**
 * Runs `fn` outside the current call: calls it makes neither inherit the call's deadline nor are
 * cancelled with it (work meant to outlive the call, e.g. a job started by a callback).
 */
export function outsideCall<T>(fn: () => T): T {
  return callStorage.exit(fn);
}
