// `g.call.name(...args)`: a lazy call; awaiting it runs it in the foreground, methods pick another modifier.
import type { Invoker } from "./Invoker";
import type { AsyncResult } from "./AsyncResult";
import type { BroadcastResult } from "./BroadcastCollector";
import {
  BG,
  type BGOptions,
  BROADCAST,
  type BroadcastOptions,
  FG,
  type FGOptions,
  type Modifier,
  NO_RETURN,
  type NoReturnOptions,
  PERIOD,
  type PeriodOptions,
} from "./modifiers";
import type { ScheduledTask } from "./ScheduledTask";

/** One untyped remote call (`g.call.name(...args)`): `await` it (FG), read it with `for await` (a stream), or send it under a modifier (`.fg()`, `.bg()`, `.with(BROADCAST(...))`, …). */
export class RemoteCall<R = unknown> implements PromiseLike<R>, AsyncIterable<R extends Iterable<infer T> ? T : unknown> {
  #foreground?: Promise<R>;
  readonly #invoker: Invoker;

  constructor(
    invoker: Invoker,
    readonly name: string,
    readonly args: unknown[],
  ) {
    this.#invoker = invoker;
  }

  /** Awaiting the call is FG without options; awaiting it twice sends it once. */
  then<T = R, E = never>(onFulfilled?: ((value: R) => T | PromiseLike<T>) | null, onRejected?: ((reason: unknown) => E | PromiseLike<E>) | null): Promise<T | E> {
    this.#foreground ??= this.fg();
    return this.#foreground.then(onFulfilled, onRejected);
  }

  fg(options?: FGOptions): Promise<R> {
    return this.#invoker.invoke(this.name, this.args, FG(options)) as Promise<R>;
  }

  /** Background: returns at once; the result comes through `get()`. */
  bg(options?: BGOptions): AsyncResult<R> {
    return this.#invoker.invoke(this.name, this.args, BG(options)) as AsyncResult<R>;
  }

  /** Fire and forget: resolves once the controller accepted the call. */
  noReturn(options?: NoReturnOptions): Promise<void> {
    return this.#invoker.invoke(this.name, this.args, NO_RETURN(options)) as Promise<void>;
  }

  /** Scheduled on the executing node: `{ atTime }` or `{ interval }`. */
  period(options: PeriodOptions): Promise<ScheduledTask> {
    return this.#invoker.invoke(this.name, this.args, PERIOD(options)) as Promise<ScheduledTask>;
  }

  /** On every node that has the callback; with `returnResult`, `{ [processName]: result | error }`. */
  broadcast(options: BroadcastOptions & { returnResult: true }): Promise<BroadcastResult<R>>;
  broadcast(options?: BroadcastOptions): Promise<BroadcastResult<R> | undefined>;
  broadcast(options?: BroadcastOptions): Promise<BroadcastResult<R> | undefined> {
    return this.#invoker.invoke(this.name, this.args, BROADCAST(options)) as Promise<BroadcastResult<R> | undefined>;
  }

  /** `for await (const item of g.call.range(3))`: reads the stream of a generator callback. */
  [Symbol.asyncIterator](): AsyncIterator<R extends Iterable<infer T> ? T : unknown> {
    return (this.#invoker.read(this.name, this.args) as AsyncIterable<R extends Iterable<infer T> ? T : unknown>)[Symbol.asyncIterator]();
  }

  /** Runs the call under any modifier; the result's type follows the modifier. */
  with(modifier: Modifier): unknown {
    return this.#invoker.invoke(this.name, this.args, modifier);
  }
}
