// A fetcher's remote method: validates, prepares the arguments, and calls through the current Global.
import { AsyncResult } from "../call/AsyncResult";
import { ConfigurationError } from "../errors/DaffiError";
import { type Balancing, withBalancing } from "../call/Balancer";
import type { Metadata } from "../context/metadata";
import { type Modifier, withMetadata } from "../call/modifiers";
import { currentInvoker } from "../global/activeGlobals";
import type { MethodMetadata } from "../registry/metadata";
import { checkArguments, checkItem, checkResult, signatureFor } from "../validation/validate";

export interface RemoteMethodPlan {
  remoteName: string;
  metadata?: MethodMetadata;
  /** For a method with a body: runs it and returns the arguments to send, or the items to stream. */
  prepare?: (args: unknown[]) => Prepared;
  /** The fetcher class's `static metadata`: sent with each call, under the modifier's own. */
  callMetadata?: () => Metadata | undefined;
  /** The modifier when none is given with `.with()`. */
  modifier: () => Modifier;
  /** The fetcher class's `static balancing`, for modifiers that do not say theirs. */
  balancing?: () => Balancing | undefined;
}

export type Prepared = { args: unknown[] } | { items: Iterable<unknown> | AsyncIterable<unknown> };

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
  const checksOf = (signature: MethodMetadata | undefined) => ({
    result: signature?.result ? (value: unknown) => checkResult(signature, value) : undefined,
    items: signature?.item ? (value: unknown, index: number) => void checkItem(signature, value, index) : undefined,
  });
  const single = checksOf(metadata);
  const run = (args: unknown[], given: Modifier): unknown => {
    let modifier = given;
    try {
      if (plan.balancing) modifier = withBalancing(given, plan.balancing());
      if (plan.callMetadata) modifier = withMetadata(modifier, plan.callMetadata());
      const invalid = metadata && checkArguments(metadata, args);
      if (invalid) return failed(remoteName, modifier, invalid);
      // An overloaded method's result is checked against the signature its arguments fit.
      const { result: check, items: checkItems } = metadata?.overloads ? checksOf(signatureFor(metadata, args)) : single;
      const prepared = plan.prepare ? plan.prepare(args) : { args };
      const invoker = currentInvoker();
      if ("items" in prepared) {
        if (modifier.kind !== "FG" && modifier.kind !== "BROADCAST") {
          throw new ConfigurationError(`'${remoteName}' streams its arguments: only FG (one provider) or BROADCAST (every provider) applies, not ${modifier.kind}`);
        }
        return invoker.write(remoteName, prepared.items, metadata?.contract, modifier);
      }
      if (metadata?.stream) return invoker.read(remoteName, prepared.args, checkItems, metadata.contract, modifier);
      return invoker.invoke(remoteName, prepared.args, modifier, check, metadata?.contract);
    } catch (error) {
      return failed(remoteName, modifier, error);
    }
  };
  const method = ((...args: unknown[]) => run(args, plan.modifier())) as RemoteMethod;
  method.with = (modifier: Modifier) => {
    // A stream read with `for await` has no result to wait for in the background, schedule or gather: refused, not ignored.
    // (A generator with a body streams to the callback instead: FG and BROADCAST apply to it, checked when it runs.)
    if (metadata?.stream && !plan.prepare && modifier.kind !== "FG") {
      const why = modifier.kind === "BROADCAST" ? " (the items of several providers cannot be read as one stream)" : "";
      throw new ConfigurationError(`'${remoteName}' is a stream read with for await: only FG applies to it, not ${modifier.kind}${why}`);
    }
    return (...args: unknown[]) => run(args, modifier);
  };
  return method;
}
