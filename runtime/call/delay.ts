// Waits `seconds` (the `eta` of a modifier); rejects with CancelledError if the signal aborts first.
import { CancelledError } from "../errors/DaffiError";

export function delay(seconds: number | undefined, signal?: AbortSignal): Promise<void> {
  if (!seconds) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError("the call was cancelled before it was sent"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, seconds * 1000);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
