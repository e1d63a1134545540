// A fetcher's remote method: validates, prepares the arguments, and calls through the current Global.
import { AsyncResult } from "../call/AsyncResult";
import type { Modifier } from "../call/modifiers";
import { currentInvoker } from "../global/activeGlobals";
import type { MethodMetadata } from "../registry/metadata";
import { checkArguments, checkResult } from "../validation/validate";

export interface RemoteMethodPlan {
  remoteName: string;
  metadata?: MethodMetadata;
  /** For a method with a body: runs it and returns the arguments to send. */
  prepare?: (args: unknown[]) => unknown[];
  /** The modifier when none is given with `.with()`. */
  modifier: () => Modifier;
}

export interface RemoteMethod {
  (...args: unknown[]): unknown;
  with(modifier: Modifier): (...args: unknown[]) => unknown;
}

/** A call that failed before anything was sent still has the modifier's shape. */
function failed(name: string, modifier: Modifier, error: unknown): unknown {
  return modifier.kind === "BG" ? new AsyncResult(name, () => Promise.reject(error)) : Promise.reject(error);
}

export function remoteMethod(plan: RemoteMethodPlan): RemoteMethod {
  const { remoteName, metadata } = plan;
  const check = metadata?.result ? (value: unknown) => checkResult(metadata, value) : undefined;
  const run = (args: unknown[], modifier: Modifier): unknown => {
    try {
      const invalid = metadata && checkArguments(metadata, args);
      if (invalid) return failed(remoteName, modifier, invalid);
      const sent = plan.prepare ? plan.prepare(args) : args;
      return currentInvoker().invoke(remoteName, sent, modifier, check);
    } catch (error) {
      return failed(remoteName, modifier, error);
    }
  };
  const method = ((...args: unknown[]) => run(args, plan.modifier())) as RemoteMethod;
  method.with = (modifier: Modifier) => (...args: unknown[]) => run(args, modifier);
  return method;
}
