// The Globals of this process that run a node: fetchers call through the most recent one.
import type { Invoker } from "../call/Invoker";
import { ConfigurationError, StoppedError } from "../errors/DaffiError";

const active: Invoker[] = [];
/** Some Global with a node ran in this process and was stopped (a fetcher called after stop() is told so). */
let stoppedOne = false;

export function activate(invoker: Invoker): void {
  active.push(invoker);
}

export function deactivate(invoker: Invoker): void {
  const index = active.indexOf(invoker);
  if (index < 0) return;
  active.splice(index, 1);
  stoppedOne = true;
}

/** The invoker of the most recently created Global that runs a node and is not stopped. */
export function currentInvoker(): Invoker {
  const invoker = active[active.length - 1];
  if (invoker) return invoker;
  if (stoppedOne) throw new StoppedError("the Global of this process was stopped: a fetcher calls through a running Global");
  throw new ConfigurationError("no Global with a node runs in this process: start one (await Global.start(...)) before calling a fetcher");
}
