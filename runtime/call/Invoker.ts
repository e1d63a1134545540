// What a RemoteCall or a fetcher needs from a Global: a way to carry out one call under a modifier.
import type { Modifier } from "./modifiers";

export interface Invoker {
  /** `checkResult` (from fetcher metadata) validates the result before the caller sees it. */
  invoke(name: string, args: unknown[], modifier: Modifier, checkResult?: (value: unknown) => unknown): unknown;
  /** Reads the items of a generator callback. */
  read(name: string, args: unknown[], checkItem?: (value: unknown, index: number) => void): AsyncIterable<unknown>;
  /** Runs the callback once per item (each an `args(...)`), in order; resolves when all ran. */
  write(name: string, items: Iterable<unknown> | AsyncIterable<unknown>): Promise<void>;
}
