// Waits `seconds` (the `eta` of a modifier), however long; rejects if a signal aborts first (a cancel, or the node's stop).
import { CancelledError } from "../errors/DaffiError";
import { sleep } from "./LongTimeout";

/** `signals`: the call's own (cancel → CancelledError) and the node's stop (→ its StoppedError). */
export function delay(seconds: number | undefined, ...signals: Array<AbortSignal | undefined>): Promise<void> {
  if (!seconds) return Promise.resolve();
  const given = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  const signal = given.length > 1 ? AbortSignal.any(given) : given[0];
  return sleep(seconds * 1000, signal).catch((reason: unknown) => {
    throw reason instanceof Error ? reason : new CancelledError("the call was cancelled before it was sent");
  });
}
