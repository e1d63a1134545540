// The context of one call this node runs: what `currentCall()` shows its callback, and how the call is aborted.
import type { CallContext } from "./CallContext";

export class CallScope {
  /** epoch ms when the caller stops waiting; undefined without a timeout. */
  readonly deadline: number | undefined;
  /** When the call arrived (performance.now()), for its duration. */
  readonly startedAt = performance.now();
  /** Its code runs on the executor (counted in maxConcurrentCalls and the stats) until it is done, once. */
  running = false;
  /** Created when somebody asks for the signal (most calls never do). */
  private controller?: AbortController;
  private reason?: Error;
  private listeners?: Set<(reason: Error) => void>;
  private view?: CallContext;

  constructor(
    readonly callback: string,
    readonly caller: string,
    /** The caller's identity when the controller enforces auth ("" otherwise). */
    readonly identity: string,
    timeoutMs: number,
    private metadataSeen: Readonly<Record<string, string>>,
  ) {
    this.deadline = timeoutMs > 0 ? Date.now() + timeoutMs : undefined;
  }

  /** The caller's metadata, as the incoming interceptors left it. */
  get metadata(): Readonly<Record<string, string>> {
    return this.metadataSeen;
  }

  /** What the last incoming interceptor passed on is what the callback reads. */
  setMetadata(metadata: Readonly<Record<string, string>>): void {
    this.metadataSeen = metadata;
    this.view = undefined;
  }

  get aborted(): Error | undefined {
    return this.reason;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** The call ended without its answer being awaited any more: its signal aborts with `reason`, once. */
  abort(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener(reason);
  }

  /** `listener` runs when the call is aborted (at once if it is); returns a function that unsubscribes. */
  onAbort(listener: (reason: Error) => void): () => void {
    if (this.reason) {
      listener(this.reason);
      return () => undefined;
    }
    (this.listeners ??= new Set()).add(listener);
    return () => this.listeners?.delete(listener);
  }

  /** What the callback sees: read-only, without the scope's own methods. */
  context(): CallContext {
    if (this.view) return this.view;
    const scope = this;
    this.view = Object.freeze({
      callback: this.callback,
      caller: this.caller,
      identity: this.identity || undefined,
      deadline: this.deadline,
      get signal() {
        return scope.signal;
      },
      metadata: this.metadataSeen,
    });
    return this.view;
  }
}
