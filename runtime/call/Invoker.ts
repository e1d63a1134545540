// What a RemoteCall needs from the Global: a way to carry out one call under a modifier.
import type { Modifier } from "./modifiers";

export interface Invoker {
  invoke(name: string, args: unknown[], modifier: Modifier): unknown;
}
