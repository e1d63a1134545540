// Waits `seconds` (the `eta` of a modifier), however long; rejects if a signal aborts first (a cancel, or the node's stop).
import { CancelledError } from "../errors/DaffiError";
import { LongTimeout } from "./LongTimeout";

/**
 * `signals`: the call's own (cancel → its CancelledError) and the node's stop (→ its StoppedError).
 * Listeners go when the wait ends, so nothing stays attached to a long-lived signal.
 */
export function delay(seconds: number | undefined, ...signals: Array<AbortSignal | undefined>): Promise<void> {
  if (!seconds) return Promise.resolve();
  const given = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  const aborted = given.find((signal) => signal.aborted);
  if (aborted) return Promise.reject(reasonOf(aborted));
  return new Promise((resolve, reject) => {
    const finish = () => {
      timer.clear();
      for (const signal of given) signal.removeEventListener("abort", onAbort);
    };
    const onAbort = (event: Event) => {
      finish();
      reject(reasonOf(event.target as AbortSignal));
    };
    const timer = new LongTimeout(() => {
      finish();
      resolve();
    }, seconds * 1000);
    for (const signal of given) signal.addEventListener("abort", onAbort, { once: true });
  });
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledError("the call was cancelled before it was sent");
}
