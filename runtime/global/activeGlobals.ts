// The Globals of this process that run a node: fetchers call through the most recent one.
import type { Invoker } from "../call/Invoker";
import { ConfigurationError } from "../errors/DaffiError";

const active: Invoker[] = [];

export function activate(invoker: Invoker): void {
  active.push(invoker);
}

export function deactivate(invoker: Invoker): void {
  const index = active.indexOf(invoker);
  if (index >= 0) active.splice(index, 1);
}

/** The invoker of the most recently created Global that runs a node and is not stopped. */
export function currentInvoker(): Invoker {
  const invoker = active[active.length - 1];
  if (!invoker) throw new ConfigurationError("no Global with a node runs in this process: start one (await Global.start(...)) before calling a fetcher");
  return invoker;
}
