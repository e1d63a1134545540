// Errors that prove their call never started: the callback did not run anywhere, so an opt-in retry
// (`fg({ retry })`) cannot run the work twice. Only daffi's own refusals before a callback runs are
// marked: on the wire as `data.notStarted`, here with the process that refused ("" for none of them:
// the caller itself, or the controller).
const refusedBy = new WeakMap<Error, string>();

/** Marks `error` as a refusal before the call started, by `process` (the provider to try another than). */
export function markNotStarted<E extends Error>(error: E, process = ""): E {
  refusedBy.set(error, process);
  return error;
}

/** The process that refused the call before it started ("" when it was not a provider), or undefined when the call may have run. */
export function notStartedBy(error: unknown): string | undefined {
  return error instanceof Error ? refusedBy.get(error) : undefined;
}

/** The wire error's data with the mark (a refusal before the callback ran). */
export const NOT_STARTED = Object.freeze({ notStarted: true });
/** A direct link's refusal of a call it may not take now (its controller gives no tickets): the caller sends it through the controller instead. */
export const REROUTE = Object.freeze({ notStarted: true, reroute: true });
