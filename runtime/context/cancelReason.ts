// Why a caller cancelled a call: carried in the CANCEL frame's `name`, so that the executing node's
// signal aborts with the same kind of reason the caller has (README: Call context).
import { CancelledError, DaffiError, NodeDisconnectedError, TimeoutError } from "../errors/DaffiError";

/** CANCEL's `name`: the caller's deadline passed, the caller gave up, or the caller is gone (set by the controller). */
export type CancelReason = "TIMEOUT" | "CANCELLED" | "DISCONNECTED";

/** The reason a caller sends for giving up with `error` (a TimeoutError: its deadline, else a cancel). */
export function cancelReasonOf(error: Error | undefined): CancelReason {
  return error instanceof TimeoutError ? "TIMEOUT" : "CANCELLED";
}

/** What the executing node's signal aborts with, for a CANCEL of `reason` from `caller`. */
export function abortReason(reason: string, caller: string): DaffiError {
  if (reason === "TIMEOUT") return new TimeoutError(`the deadline of '${caller}' passed: it stopped waiting`);
  if (reason === "DISCONNECTED") return new NodeDisconnectedError(`the caller '${caller}' disconnected`);
  return new CancelledError(`the call was cancelled by its caller '${caller}'`);
}
