// The handle a BG call returns: the result later, whether it is done, and a way to cancel it.
import { CancelledError, TimeoutError } from "../errors/DaffiError";
import { LongTimeout } from "./LongTimeout";

/** The handle of a BG call: `await r.get({ timeout? })` for its result, `r.cancel()` to give up on it. */
export class AsyncResult<R> {
  // #private: `Object.keys(asyncResult)` shows only what is public.
  #settled = false;
  readonly #abort = new AbortController();
  readonly #result: Promise<R>;

  /** `run` starts the call; aborting its signal cancels it. */
  constructor(
    readonly name: string,
    run: (signal: AbortSignal) => Promise<R>,
  ) {
    this.#result = run(this.#abort.signal);
    const settle = () => {
      this.#settled = true;
    };
    // A BG result nobody asks for must not become an unhandled rejection; get() still reports it.
    this.#result.then(settle, settle);
  }

  /** True once the result (or the error) has arrived. */
  get done(): boolean {
    return this.#settled;
  }

  /** The result; with `timeout` (s), TimeoutError if it is not there by then (the call itself goes on). */
  get(options: { timeout?: number | undefined } = {}): Promise<R> {
    const { timeout } = options;
    if (timeout === undefined || this.#settled) return this.#result;
    let timer: LongTimeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = new LongTimeout(() => reject(new TimeoutError(`the result of '${this.name}' was not there within ${timeout}s`)), timeout * 1000);
    });
    return Promise.race([this.#result, expired]).finally(() => timer?.clear());
  }

  /** Cancels the call: the remote side is told, get() rejects with CancelledError. No effect once done. */
  cancel(): void {
    if (!this.#settled) this.#abort.abort(new CancelledError(`the call to '${this.name}' was cancelled`));
  }
}
