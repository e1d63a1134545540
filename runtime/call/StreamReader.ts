// A stream from a generator callback, read with `for await`: credit is granted as items are consumed.
import { type Admit, RELEARN_SECONDS } from "./carryOut";
import type { Admission, Route } from "../contract/ContractCheck";
import { CancelledError, ContractMismatchError, ProtocolError } from "../errors/DaffiError";
import type { OpenCall } from "../node/CallOptions";
import type { Node } from "../node/Node";
import { ItemsTaken, STREAM_WINDOW, WindowGuard } from "../node/StreamSink";
import { Kind, Mode } from "../wire/Kind";
import { intercepted } from "./intercepted";

export class StreamReader<T> implements AsyncIterable<T> {
  constructor(
    private readonly node: Node,
    private readonly name: string,
    private readonly args: unknown[],
    /** Checks each item against the declared item type (from the transformer); throws ValidationError. */
    private readonly checkItem?: (value: unknown, index: number) => void,
    /** The contract check: where the call may go (asked when the iteration starts). */
    private readonly admit?: Admit,
    /** Sent with the stream's call (under the process's defaults, as interceptors leave it). */
    private readonly metadata?: Readonly<Record<string, string>>,
  ) {}

  /** Each iteration is one call; nothing is sent before it starts. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const buffered: T[] = [];
    const sizes: number[] = [];
    const taken = new ItemsTaken();
    let index = 0;
    let over = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    let call: OpenCall | undefined;
    /** The executor keeps within the credit this reader granted, or the stream ends. */
    let window = new WindowGuard();
    const fail = (error: unknown) => {
      failure ??= error;
      over = true;
      wake?.();
    };
    let retried = false;
    // The interceptors' metadata, once they ran (the stream as a whole is one call for them); its end settles `ended`.
    let final: { metadata?: Readonly<Record<string, string>>; metadataFinal?: boolean } = { metadata: this.metadata };
    let ended: { resolve(): void; reject(error: unknown): void } | undefined;
    let chained: Promise<unknown> | undefined;
    /** The stream's own call settled (its end, or its error). */
    let settled = false;
    const finish = (error?: unknown) => {
      settled = true;
      if (ended) return error === undefined ? ended.resolve() : ended.reject(error);
      if (error === undefined) over = true;
      else return fail(error);
      wake?.();
    };
    const begin = (route: Route | undefined) => {
      let received = false;
      window = new WindowGuard();
      const sentAt = this.node.registry.version;
      call = this.node.open(this.name, this.args, {
        ...final,
        mode: Mode.FG,
        balancing: "random", // a stream is not balanced: the controller picks its provider
        credit: STREAM_WINDOW,
        ...(route?.target ? { target: route.target } : { accept: route?.accept }),
        sink: {
          item: (value, bytes) => {
            if (!window.received(bytes)) return this.node.abandon(call!.id, new ProtocolError(`'${this.name}' sent stream items beyond the credit it was granted`));
            received = true;
            buffered.push(value as T);
            sizes.push(bytes);
            const waiting = wake;
            wake = undefined;
            waiting?.();
          },
          credit: () => undefined,
        },
      });
      call.done.then(
        () => finish(),
        (error: unknown) => {
          // Refused by the controller because the providers changed since the check (before anything was sent): judged again, once.
          if (!(error instanceof ContractMismatchError && error.stale && route && !retried && !received && !over)) return finish(error);
          retried = true;
          const registry = this.node.registry;
          registry
            .waitUntil(() => registry.version !== sentAt, "the new providers", RELEARN_SECONDS)
            .then(() => (over ? finish(new CancelledError(`the reader of '${this.name}' stopped`)) : start()))
            .catch(() => finish(error));
        },
      );
    };
    const start = () => {
      let admission: Admission;
      try {
        admission = this.admit?.(false);
      } catch (error) {
        return finish(error);
      }
      if (admission instanceof Promise) admission.then((route) => (over ? undefined : begin(route)), finish);
      else begin(admission);
    };
    if (!this.node.interceptors.outgoing) start();
    else {
      // Around the stream as a whole: the last step sends it, and its promise settles when the stream ends.
      chained = intercepted(
        this.node,
        this.name,
        this.args,
        { mode: Mode.FG, metadata: this.metadata },
        (options) =>
          // The reader stopped before a step let the stream start: it never does.
          over
            ? Promise.reject(new CancelledError(`the reader of '${this.name}' stopped`))
            : new Promise<void>((resolve, reject) => {
                ended = { resolve, reject };
                final = { metadata: options.metadata, metadataFinal: true };
                start();
              }),
        "read",
      ).then(
        () => {
          // A step that returned before the stream ended (it did not wait for next()): the stream goes with it.
          if (!settled && call) this.node.abandon(call.id, new CancelledError(`the interceptors of '${this.name}' returned before its stream ended`));
          over = true;
          wake?.();
        },
        (error: unknown) => {
          if (!settled && call) this.node.abandon(call.id, new CancelledError(`the interceptors of '${this.name}' failed before its stream ended`));
          fail(error);
        },
      );
    }
    const close = (): void => {
      if (!over && call) this.node.abandon(call.id, new CancelledError(`the reader of '${this.name}' stopped`));
      // An outgoing step waiting for its stream learns it ended (even while a retry of the stream waits).
      if (!over) ended?.reject(new CancelledError(`the reader of '${this.name}' stopped`));
      over = true;
      failure = undefined;
      buffered.length = 0;
      sizes.length = 0;
      wake?.(); // a next() still waiting ends (done)
    };
    return {
      next: async (): Promise<IteratorResult<T>> => {
        while (buffered.length === 0 && !over) await new Promise<void>((resolve) => (wake = resolve));
        // After the last item, the interceptors' own ends (their throw is the reader's error).
        if (buffered.length === 0 && chained) await chained;
        if (buffered.length > 0) {
          const value = buffered.shift() as T;
          const grant = taken.took(sizes.shift()!);
          if (this.checkItem) {
            try {
              this.checkItem(value, index++);
            } catch (error) {
              // A bad item ends the stream: the remote generator is stopped, the reader gets the ValidationError.
              close();
              throw error;
            }
          }
          if (grant > 0 && !over && call) {
            window.granted(grant);
            this.node.sendOnCall(call.id, { kind: Kind.CREDIT, credit: grant });
          }
          return { value, done: false };
        }
        if (failure !== undefined) {
          const error = failure;
          failure = undefined;
          throw error;
        }
        return { value: undefined, done: true };
      },
      // `break` out of `for await`: the remote generator is told to stop (its `finally` runs).
      return: async (): Promise<IteratorResult<T>> => {
        close();
        return { value: undefined, done: true };
      },
    };
  }
}
