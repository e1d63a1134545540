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

/** The remote counterpart of a function type of the shared interface: generators become AsyncIterables; overloads stay overloads. */
export type Remote<F> = Signatures<F> extends infer S ? (IsUnion<S> extends true ? Overloaded<S> : RemoteSignature<F>) : never;

/** One signature's remote form. */
type RemoteSignature<F> = F extends (...args: infer A) => infer R
  ? R extends AsyncIterable<infer T> | Iterator<infer T>
    ? ((...args: A) => AsyncIterable<T>) & StreamWithModifier<A, T>
    : ((...args: A) => Promise<Awaited<R>>) & WithModifier<A, Awaited<R>>
  : never;

/**
 * The signatures of F as a union of `[parameters, result]` (up to 8 overloads; a function with fewer
 * repeats its first one, which the union merges).
 */
type Signatures<F> = F extends {
  (...args: infer A1): infer R1;
  (...args: infer A2): infer R2;
  (...args: infer A3): infer R3;
  (...args: infer A4): infer R4;
  (...args: infer A5): infer R5;
  (...args: infer A6): infer R6;
  (...args: infer A7): infer R7;
  (...args: infer A8): infer R8;
}
  ? [A1, R1] | [A2, R2] | [A3, R3] | [A4, R4] | [A5, R5] | [A6, R6] | [A7, R7] | [A8, R8]
  : never;

type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (intersection: infer I) => void ? I : never;
type IsUnion<T> = [T] extends [UnionToIntersection<T>] ? false : true;

interface Outcomes<R> {
  FG: Promise<Awaited<R>>;
  BG: AsyncResult<Awaited<R>>;
  NO_RETURN: Promise<void>;
  PERIOD: Promise<ScheduledTask>;
  BROADCAST: Promise<BroadcastResult<Awaited<R>> | undefined>;
}

/** Every overload under one modifier (a stream's overloads only under FG). */
type Each<S, K extends keyof Outcomes<unknown>> = UnionToIntersection<
  S extends [infer A extends unknown[], infer R]
    ? R extends AsyncIterable<infer T> | Iterator<infer T>
      ? K extends "FG"
        ? (...args: A) => AsyncIterable<T>
        : never
      : (...args: A) => Outcomes<R>[K]
    : never
>;

/** An overloaded remote method: callable as any of its overloads, under `.with()` too. */
type Overloaded<S> = Each<S, "FG"> & {
  with(modifier: Modifier<"FG">): Each<S, "FG">;
  with(modifier: Modifier<"BG">): Each<S, "BG">;
  with(modifier: Modifier<"NO_RETURN">): Each<S, "NO_RETURN">;
  with(modifier: Modifier<"PERIOD">): Each<S, "PERIOD">;
  with(modifier: Modifier<"BROADCAST">): Each<S, "BROADCAST">;
};

/** Every method of the interface T as a remote method. */
export type Promisified<T> = { [K in keyof T]: Remote<T[K]> };

/** `class X extends Fetcher<Api> {}`: the generic construct signature gives X every method of Api. */
export interface FetcherConstructor {
  new <T extends object = {}>(): Promisified<T>;
}
