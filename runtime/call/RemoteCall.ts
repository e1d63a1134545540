// `g.call.name(...args)`: a lazy call; awaiting it runs it in the foreground, methods pick another modifier.
import type { Invoker } from "./Invoker";
import { FG, type FGOptions, type Modifier } from "./modifiers";

export class RemoteCall<R = unknown> implements PromiseLike<R> {
  private foreground?: Promise<R>;

  constructor(
    private readonly invoker: Invoker,
    readonly name: string,
    readonly args: unknown[],
  ) {}

  /** Awaiting the call is FG without options; awaiting it twice sends it once. */
  then<T = R, E = never>(onFulfilled?: ((value: R) => T | PromiseLike<T>) | null, onRejected?: ((reason: unknown) => E | PromiseLike<E>) | null): Promise<T | E> {
    this.foreground ??= this.fg();
    return this.foreground.then(onFulfilled, onRejected);
  }

  fg(options?: FGOptions): Promise<R> {
    return this.invoker.invoke(this.name, this.args, FG(options)) as Promise<R>;
  }

  /** Runs the call under any modifier; the result's type follows the modifier. */
  with(modifier: Modifier): unknown {
    return this.invoker.invoke(this.name, this.args, modifier);
  }
}
