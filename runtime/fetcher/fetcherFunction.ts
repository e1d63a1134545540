// Function form of fetchers: `fetcher<(a: number) => string>("name", BG)` is a typed remote function.
import { FG, type Modifier } from "../call/modifiers";
import { ConfigurationError } from "../errors/DaffiError";
import { type FunctionMetadata, isFunctionMetadata } from "../registry/metadata";
import { warnUntransformed } from "../registry/untransformed";
import { remoteMethod } from "./remoteMethod";
import type { Remote } from "./types";

/**
 * A remote function calling the callback `name`, with `modifier` (default FG).
 * (The transformer appends a metadata argument with the validators of F.)
 * @daffiKind fetcher-function
 */
export function fetcher<F extends (...args: never[]) => unknown>(name: string, modifier?: Modifier): Remote<F>;
export function fetcher(name: string, modifier?: Modifier, metadata?: FunctionMetadata): unknown {
  if (typeof name !== "string" || name.length === 0) throw new ConfigurationError("fetcher(name, modifier?) needs the callback's name");
  if (modifier !== undefined && typeof modifier?.kind !== "string") throw new ConfigurationError(`fetcher('${name}', modifier): not an execution modifier`);
  const method = isFunctionMetadata(metadata) ? { ...metadata.method, name, remoteName: name } : undefined;
  if (!method) warnUntransformed(`fetcher '${name}'`);
  return remoteMethod({ remoteName: name, metadata: method, modifier: () => modifier ?? FG });
}
