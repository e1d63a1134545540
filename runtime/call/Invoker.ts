// What a RemoteCall or a fetcher needs from a Global: a way to carry out one call under a modifier.
import type { MethodContract } from "../contract/Shape";
import type { Modifier } from "./modifiers";

export interface Invoker {
  /**
   * `checkResult` (from fetcher metadata) validates the result before the caller sees it; `contract`
   * (the fetcher's) is compared with the providers' before the call goes out.
   */
  invoke(name: string, args: unknown[], modifier: Modifier, checkResult?: (value: unknown) => unknown, contract?: MethodContract): unknown;
  /** Reads the items of a generator callback. */
  read(name: string, args: unknown[], checkItem?: (value: unknown, index: number) => void, contract?: MethodContract, modifier?: Modifier): AsyncIterable<unknown>;
  /**
   * Runs the callback once per item (each an `args(...)`), in order; resolves when all ran. Under
   * BROADCAST, on every provider: `{ [process]: itemsRun | error }` with `returnResult`.
   */
  write(name: string, items: Iterable<unknown> | AsyncIterable<unknown>, contract?: MethodContract, modifier?: Modifier): Promise<unknown>;
}
