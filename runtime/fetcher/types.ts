// The types of fetchers: each remote method returns a Promise of the result (or an AsyncIterable for a stream).
import type { AsyncResult } from "../call/AsyncResult";
import type { BroadcastResult } from "../call/BroadcastCollector";
import type { ScheduledTask } from "../call/ScheduledTask";
import type { Modifier } from "../call/modifiers";

/** `.with(modifier)`: the same remote method under another execution modifier, for one call. */
export interface WithModifier<A extends unknown[], R> {
  with(modifier: Modifier<"FG">): (...args: A) => Promise<R>;
  with(modifier: Modifier<"BG">): (...args: A) => AsyncResult<R>;
  with(modifier: Modifier<"NO_RETURN">): (...args: A) => Promise<void>;
  with(modifier: Modifier<"PERIOD">): (...args: A) => Promise<ScheduledTask>;
  with(modifier: Modifier<"BROADCAST">): (...args: A) => Promise<BroadcastResult<R> | undefined>;
  with(modifier: Modifier): (...args: A) => unknown;
}

/** `.with(modifier)` of a stream read with `for await`: only FG applies (BG, NO_RETURN, PERIOD, BROADCAST are type errors). */
export interface StreamWithModifier<A extends unknown[], T> {
  with(modifier: Modifier<"FG">): (...args: A) => AsyncIterable<T>;
}

/** The remote counterpart of a function type of the shared interface: generators become AsyncIterables. */
export type Remote<F> = F extends (...args: infer A) => infer R
  ? R extends AsyncIterable<infer T> | Iterator<infer T>
    ? ((...args: A) => AsyncIterable<T>) & StreamWithModifier<A, T>
    : ((...args: A) => Promise<Awaited<R>>) & WithModifier<A, Awaited<R>>
  : never;

/** Every method of the interface T as a remote method. */
export type Promisified<T> = { [K in keyof T]: Remote<T[K]> };

/** `class X extends Fetcher<Api> {}`: the generic construct signature gives X every method of Api. */
export interface FetcherConstructor {
  new <T extends object = {}>(): Promisified<T>;
}
